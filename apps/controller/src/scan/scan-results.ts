import { Injectable } from '@nestjs/common';
import type { UploadResultsRequest } from '@log4fleet/contracts';
import { EntityManager } from 'typeorm';
import { AuditRecord } from '../audit/audit.dto';
import { AuditService } from '../audit/audit.service';
import { CommandsService, type ResultCommand } from '../commands/commands.service';
import { DomainException } from '../common/domain.exception';
import { loggerFor } from '../common/logger';
import { timeOrderedUuid } from '../common/time-ordered-id';
import { bulkInsert } from '../database/bulk-insert';
import { placeholders, rawQuery } from '../database/raw-query';
import { TransactionService } from '../database/transaction.service';
import { HostsService, HostVerdictState } from '../hosts/hosts.service';
import type { KindResultHandler } from '../results/kind-results';
import { ScanRunEntity } from '../results/scan-run.entity';
import {
  FINDING_COLUMNS,
  SCAN_ERROR_COLUMNS,
  VULNERABLE_PRODUCT,
  RunCounts,
  applySummary,
  addRows,
  SCAN_RUN_COLUMNS,
  RUN_KEY_COLUMNS,
  scanRunRow,
  scanRunFromRow,
} from './scan-rows';

/** A decoded chunk of a scan's results, as the kind-neutral ingestion hands it over. */
export interface ScanChunk {
  id: string;
  commandId: string;
  sequence: number;
  results: UploadResultsRequest;
}

/** What ingestion stored of a command's chunks (to tell when a scan is complete). */
export interface StoredScanChunk {
  id: string;
  totalChunks: number;
  ingested: boolean;
}

/**
 * The scan kind's result handling: a scan's chunks become its scan run, findings and errors
 * (multi-row INSERTs), and a scan whose every chunk arrived completes: the host's verdict
 * (scan-verdict.ts), the remediations it verifies, the audit. Runs in the ingestion's
 * transaction (results/results-ingest.service.ts keeps the kind-neutral part: storage,
 * decoding, chunks set aside, marking chunks ingested).
 */
@Injectable()
export class ScanResults implements KindResultHandler {
  readonly kind = 'scan';
  private readonly logger = loggerFor(ScanResults.name);

  constructor(
    private readonly tx: TransactionService,
    private readonly commands: CommandsService,
    private readonly hosts: HostsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Ingests these decoded chunks (stored at `createdAt`) in the caller's unit of work; `stored`:
   * every stored chunk per command.
   */
  async ingest(
    chunks: ScanChunk[],
    commands: ReadonlyMap<string, ResultCommand>,
    stored: ReadonlyMap<string, readonly StoredScanChunk[]>,
    createdAt: string,
  ): Promise<void> {
    const manager = this.tx.manager;
    const { runs, fresh } = await this.scanRunsFor(
      [...new Set(chunks.map((c) => c.commandId))].map((id) => commands.get(id)!),
      manager,
    );
    const findings: unknown[][] = [];
    const errors: unknown[][] = [];
    const tally = new Map<string, RunCounts>();
    const now = new Date(createdAt);
    // In sequence order per command, so that the last summary wins.
    chunks.sort((x, y) => x.commandId.localeCompare(y.commandId) || x.sequence - y.sequence);
    for (const c of chunks) {
      const chunk = c.results;
      const run = runs.get(c.commandId)!;
      const counts = tally.get(run.id) ?? { findings: 0, errors: 0, vulnerable: false };
      addRows(run, chunk, createdAt, findings, errors, counts);
      tally.set(run.id, counts);
      if (chunk.summary) applySummary(run, chunk.summary);
    }
    const newly = new Set(chunks.map((c) => c.id));
    const completed = [...runs.values()].filter((run) => {
      const all = stored.get(run.commandId) ?? [];
      const done = all.filter((c) => c.ingested || newly.has(c.id)).length;
      return all.length > 0 && done >= all[0].totalChunks && !run.finishedAt;
    });
    // A run created by this batch holds only this batch's rows: its counts are known here, and
    // it is written once, finished or not. Older runs are counted from the stored rows below.
    const vulnerable = new Map<string, boolean>();
    for (const run of completed) {
      run.finishedAt = now;
      if (!fresh.has(run.id)) continue;
      const counts = tally.get(run.id)!;
      run.findingsCount = counts.findings;
      run.errorsCount = counts.errors;
      vulnerable.set(run.id, counts.vulnerable);
    }
    await bulkInsert(
      manager,
      'scan_runs',
      SCAN_RUN_COLUMNS,
      [...runs.values()].filter((r) => fresh.has(r.id)).map(scanRunRow),
    );
    await bulkInsert(manager, 'findings', FINDING_COLUMNS, findings);
    await bulkInsert(manager, 'scan_errors', SCAN_ERROR_COLUMNS, errors);
    const older = completed.filter((r) => !fresh.has(r.id));
    if (older.length > 0) {
      const counts = await this.countsOf(
        older.map((r) => r.id),
        manager,
      );
      for (const run of older) {
        const c = counts.get(run.id) ?? { findings: 0, errors: 0, vulnerable: false };
        run.findingsCount = c.findings;
        run.errorsCount = c.errors;
        vulnerable.set(run.id, c.vulnerable);
      }
    }
    for (const run of runs.values()) if (!fresh.has(run.id)) await this.saveRun(run, manager);
    if (completed.length > 0) await this.completeScans(completed, vulnerable, commands, manager);
  }

  /** The commands' scan runs; those that have none yet get one, in `fresh`, not stored yet. */
  private async scanRunsFor(
    commands: readonly ResultCommand[],
    manager: EntityManager,
  ): Promise<{ runs: Map<string, ScanRunEntity>; fresh: Set<string> }> {
    const ids = commands.map((c) => c.id);
    const { rows } = await rawQuery<Record<string, unknown>>(
      manager,
      `SELECT ${SCAN_RUN_COLUMNS.join(', ')} FROM scan_runs
       WHERE command_id IN (${placeholders(ids.length)})`,
      ids,
    );
    const runs = new Map<string, ScanRunEntity>();
    for (const row of rows) {
      const run = scanRunFromRow(row);
      runs.set(run.commandId, run);
    }
    const fresh = new Set<string>();
    for (const command of commands) {
      if (runs.has(command.id)) continue;
      const run: ScanRunEntity = {
        id: timeOrderedUuid(),
        hostId: command.hostId,
        commandId: command.id,
        startedAt: command.startedAt ? new Date(command.startedAt) : null,
        finishedAt: null,
        files: 0,
        directories: 0,
        archives: 0,
        bytesRead: 0,
        findingsCount: 0,
        errorsCount: 0,
        vulnerable: 0,
        mitigated: 0,
        safe: 0,
        unknown: 0,
        durationMs: 0,
        createdAt: new Date(),
      };
      runs.set(command.id, run);
      fresh.add(run.id);
    }
    return { runs, fresh };
  }

  /** Writes a stored run's counters and times (not its keys). */
  private async saveRun(run: ScanRunEntity, manager: EntityManager): Promise<void> {
    const values = scanRunRow(run).slice(RUN_KEY_COLUMNS);
    const sets = SCAN_RUN_COLUMNS.slice(RUN_KEY_COLUMNS).map((c, i) => `${c} = $${i + 1}`);
    await rawQuery(
      manager,
      `UPDATE scan_runs SET ${sets.join(', ')} WHERE id = $${values.length + 1}`,
      [...values, run.id],
    );
  }

  /**
   * The last chunk of these commands is in: each host's verdict is applied in the order its
   * commands were created (results kept in an agent's outbox arrive late and may be ingested
   * after a newer scan's: the host's state follows the newest command, never an older one
   * finishing last).
   */
  private async completeScans(
    runs: ScanRunEntity[],
    vulnerableOf: Map<string, boolean>,
    commands: ReadonlyMap<string, ResultCommand>,
    manager: EntityManager,
  ): Promise<void> {
    const now = new Date();
    const hostIds = [...new Set(runs.map((r) => r.hostId))];
    const hosts = await this.hosts.forVerdicts(hostIds, manager);
    const remediated = await this.commands.hostsWithRecordedRemediation(hostIds);
    const createdOfRun = await this.commandCreatedOfRuns(
      [...hosts.values()].map((h) => h.lastScanRunId).filter((id): id is string => id !== null),
      manager,
    );
    const events: AuditRecord[] = [];
    const changed = new Set<HostVerdictState>();
    const settle: Array<{ hostId: string; verified: boolean; run: ScanRunEntity; actor: string }> =
      [];
    const order = (r: ScanRunEntity) => commands.get(r.commandId)!.createdAt;
    runs.sort((x, y) => (order(x) < order(y) ? -1 : order(x) > order(y) ? 1 : 0));
    for (const run of runs) {
      const command = commands.get(run.commandId)!;
      const vulnerable = vulnerableOf.get(run.id) ?? false;
      const host = hosts.get(run.hostId);
      if (!host) throw DomainException.notFound('host', run.hostId);
      const last = host.lastScanRunId;
      const lastCreated = last && last !== run.id ? createdOfRun.get(last) : undefined;
      const superseded = lastCreated !== undefined && lastCreated > command.createdAt;
      events.push({
        actor: command.agentId,
        action: 'scan.completed',
        hostId: run.hostId,
        details: {
          scanRunId: run.id,
          commandId: run.commandId,
          findings: run.findingsCount,
          errors: run.errorsCount,
          vulnerable,
          ...(superseded ? { superseded: true } : {}),
        },
      });
      if (superseded) {
        this.logger.info(
          { hostId: run.hostId, scanRunId: run.id, newer: last },
          'scan completed after a newer one: host state unchanged',
        );
        continue;
      }
      const remediationRecorded = remediated.has(run.hostId);
      events.push(
        ...this.hosts.applyScanVerdict(
          host,
          {
            hostId: run.hostId,
            scanRunId: run.id,
            vulnerable,
            remediationRecorded,
            actor: command.agentId,
          },
          now,
        ),
      );
      createdOfRun.set(run.id, command.createdAt);
      changed.add(host);
      if (remediationRecorded && (vulnerable || host.status === 'verified'))
        settle.push({ hostId: run.hostId, verified: !vulnerable, run, actor: command.agentId });
      this.logger.debug(
        { hostId: host.id, scanRunId: run.id, status: host.status, findings: run.findingsCount },
        'scan completed',
      );
    }
    await this.hosts.saveVerdicts([...changed], manager);
    await this.audit.recordMany(events, manager);
    for (const s of settle)
      await this.commands.settleRemediations(s.hostId, s.verified, s.run.id, s.actor);
  }

  /** Findings and errors stored per run, and whether a vulnerable log4j-core is among them. */
  private async countsOf(
    runIds: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, RunCounts>> {
    const counts = new Map<string, RunCounts>();
    const entry = (id: string) => {
      let c = counts.get(id);
      if (!c) counts.set(id, (c = { findings: 0, errors: 0, vulnerable: false }));
      return c;
    };
    const list = placeholders(runIds.length, 3);
    const { rows: f } = await rawQuery<{
      scan_run_id: string;
      n: number | string;
      v: number | string;
    }>(
      manager,
      `SELECT scan_run_id, COUNT(*) AS n,
         SUM(CASE WHEN product = $1 AND status = $2 THEN 1 ELSE 0 END) AS v
       FROM findings WHERE scan_run_id IN (${list}) GROUP BY scan_run_id`,
      [VULNERABLE_PRODUCT, 'vulnerable', ...runIds],
    );
    for (const r of f) {
      const c = entry(r.scan_run_id);
      c.findings = Number(r.n);
      c.vulnerable = Number(r.v) > 0;
    }
    const { rows: e } = await rawQuery<{ scan_run_id: string; n: number | string }>(
      manager,
      `SELECT scan_run_id, COUNT(*) AS n FROM scan_errors
       WHERE scan_run_id IN (${placeholders(runIds.length)}) GROUP BY scan_run_id`,
      runIds,
    );
    for (const r of e) entry(r.scan_run_id).errors = Number(r.n);
    return counts;
  }

  /** When the command of each of these scan runs was created (ISO strings compare in order). */
  private async commandCreatedOfRuns(
    runIds: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, string>> {
    if (runIds.length === 0) return new Map();
    const { rows } = await rawQuery<{ id: string; created_at: string }>(
      manager,
      `SELECT r.id, c.created_at FROM scan_runs r JOIN commands c ON c.id = r.command_id
       WHERE r.id IN (${placeholders(runIds.length)})`,
      runIds,
    );
    return new Map(rows.map((r) => [r.id, r.created_at]));
  }
}
