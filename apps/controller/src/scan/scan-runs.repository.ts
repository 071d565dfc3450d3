import { Injectable } from '@nestjs/common';
import { bulkInsert } from '../database/bulk-insert';
import { placeholders, rawQuery, updateFromValues } from '../database/raw-query';
import { TransactionService } from '../database/transaction.service';
import { ScanRunEntity } from '../results/scan-run.entity';
import {
  FINDING_ROWS,
  RUN_KEY_COLUMNS,
  SCAN_ERROR_ROWS,
  SCAN_RUN_ROWS,
  scanRunFromRow,
} from './scan-rows';
import type { FindingSource } from './scan-scope';

/** A findings row as the host's inventory reads it. */
export type FindingRow = {
  id: string;
  scan_run_id: string;
  host_id?: string;
  source: FindingSource;
  path: string;
  product: string;
  package_root: string;
  status: string;
  created_at?: string;
};

/** A completed scan run of a host, with when its command was created. */
export interface CompletedRunRow {
  id: string;
  scope: string | null;
  incomplete_reason: string | null;
  completeness: string;
  created_at: string;
}

/**
 * The scan kind's SQL (scan_runs, findings, scan_errors) on the hot path of result ingestion: a
 * few set-based statements per ingest batch, in the caller's unit of work (the ambient
 * transaction of TransactionService).
 */
@Injectable()
export class ScanRunsRepository {
  constructor(private readonly tx: TransactionService) {}

  /** The stored scan runs of these commands. */
  async runsOfCommands(commandIds: readonly string[]): Promise<ScanRunEntity[]> {
    const { rows } = await rawQuery<Record<string, unknown>>(
      this.tx.manager,
      `SELECT ${SCAN_RUN_ROWS.columns.join(', ')} FROM scan_runs
       WHERE command_id IN (${placeholders(commandIds.length)})`,
      commandIds,
    );
    return rows.map(scanRunFromRow);
  }

  /** Multi-row INSERTs of new runs. */
  insertRuns(runs: readonly ScanRunEntity[]): Promise<void> {
    return SCAN_RUN_ROWS.insert(this.tx.manager, runs);
  }

  /** Multi-row INSERTs of finding rows (FINDING_ROWS). */
  insertFindings(rows: readonly unknown[][]): Promise<void> {
    return bulkInsert(this.tx.manager, FINDING_ROWS.table, FINDING_ROWS.columns, rows);
  }

  /** Multi-row INSERTs of scan error rows (SCAN_ERROR_ROWS). */
  insertErrors(rows: readonly unknown[][]): Promise<void> {
    return bulkInsert(this.tx.manager, SCAN_ERROR_ROWS.table, SCAN_ERROR_ROWS.columns, rows);
  }

  /** Writes a stored run's counters and times (not its keys). */
  async saveRun(run: ScanRunEntity): Promise<void> {
    const values = SCAN_RUN_ROWS.row(run).slice(RUN_KEY_COLUMNS);
    const sets = SCAN_RUN_ROWS.columns.slice(RUN_KEY_COLUMNS).map((c, i) => `${c} = $${i + 1}`);
    await rawQuery(
      this.tx.manager,
      `UPDATE scan_runs SET ${sets.join(', ')} WHERE id = $${values.length + 1}`,
      [...values, run.id],
    );
  }

  /** The stored findings of these runs (at least one id). */
  async findingsOfRuns(runIds: readonly string[]): Promise<FindingRow[]> {
    const { rows } = await rawQuery<FindingRow>(
      this.tx.manager,
      `SELECT id, scan_run_id, source, path, product, package_root, status FROM findings
       WHERE scan_run_id IN (${placeholders(runIds.length)})`,
      runIds,
    );
    return rows;
  }

  /** The stored errors of these runs (at least one id). */
  async errorsOfRuns(
    runIds: readonly string[],
  ): Promise<Array<{ scan_run_id: string; path: string; message: string }>> {
    const { rows } = await rawQuery<{ scan_run_id: string; path: string; message: string }>(
      this.tx.manager,
      `SELECT scan_run_id, path, message FROM scan_errors WHERE scan_run_id IN (${placeholders(runIds.length)})`,
      runIds,
    );
    return rows;
  }

  /** The current findings of these hosts, with when the command that saw each was created. */
  async currentFindingsOf(hostIds: readonly string[]): Promise<Array<Required<FindingRow>>> {
    const { rows } = await rawQuery<Required<FindingRow>>(
      this.tx.manager,
      `SELECT f.id, f.host_id, f.scan_run_id, f.source, f.path, f.product, f.package_root, f.status,
         c.created_at
       FROM findings f JOIN commands c ON c.id = f.command_id
       WHERE f.current = $1 AND f.host_id IN (${placeholders(hostIds.length, 2)})`,
      [true, ...hostIds],
    );
    return rows;
  }

  /** A host's completed runs whose commands were created after `createdAt`. */
  async completedRunsAfter(hostId: string, createdAt: string): Promise<CompletedRunRow[]> {
    const { rows } = await rawQuery<CompletedRunRow>(
      this.tx.manager,
      `SELECT r.id, r.scope, r.completeness, r.incomplete_reason, c.created_at
       FROM scan_runs r JOIN commands c ON c.id = r.command_id
       WHERE r.host_id = $1 AND r.finished_at IS NOT NULL AND c.created_at > $2`,
      [hostId, createdAt],
    );
    return rows;
  }

  /** When the command of each of these scan runs was created (ISO strings compare in order). */
  async commandCreatedOfRuns(runIds: readonly string[]): Promise<Map<string, string>> {
    if (runIds.length === 0) return new Map();
    const { rows } = await rawQuery<{ id: string; created_at: string }>(
      this.tx.manager,
      `SELECT r.id, c.created_at FROM scan_runs r JOIN commands c ON c.id = r.command_id
       WHERE r.id IN (${placeholders(runIds.length)})`,
      runIds,
    );
    return new Map(rows.map((r) => [r.id, r.created_at]));
  }

  /** Sets findings' current and superseded_by: rows of [id, current, superseded by run id]. */
  async markFindings(rows: unknown[][]): Promise<void> {
    await updateFromValues(
      this.tx.manager,
      {
        table: 'findings',
        set: 'current = CAST(v.column2 AS BOOLEAN), superseded_by = v.column3',
        where: 'findings.id = v.column1',
      },
      [],
      rows,
    );
  }
}
