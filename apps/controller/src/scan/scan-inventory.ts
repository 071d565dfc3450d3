import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ResultCommand } from '../commands/commands.service';
import { placeholders, rawQuery, updateFromValues } from '../database/raw-query';
import { HostsService, HostVerdictState } from '../hosts/hosts.service';
import { ScanRunEntity } from '../results/scan-run.entity';
import { CompletedRun, CurrentFinding, HostInventory, InventoryChange } from './host-inventory';
import { scanParams } from './scan.kind';
import { FindingFacts, NewFinding, RunError, setCurrent, VULNERABLE_PRODUCT } from './scan-rows';
import {
  FindingSource,
  incompleteReason,
  scopeFromJson,
  scopeOf,
  scopeToJson,
  type ScanScope,
} from './scan-scope';

/** A completed run's findings and errors (a run of this batch: its rows not stored yet). */
export interface RunFacts {
  findings: ReadonlyArray<FindingFacts | NewFinding>;
  errors: RunError[];
}

/** A completed run after the host's inventory took it in. */
export interface AppliedRun {
  run: ScanRunEntity;
  command: ResultCommand;
  completed: CompletedRun;
  change: InventoryChange;
  /** A newer scan of the host had completed before this one's results came in. */
  late: boolean;
}

export interface Applied {
  hosts: Map<string, HostVerdictState>;
  /** In the order their commands were created. */
  runs: AppliedRun[];
  /** Stored findings that stop being current: id -> the run that replaced them. */
  superseded: Map<string, string>;
  /** Stored findings (of runs completed now) that become current. */
  nowCurrent: string[];
}

type FindingRow = {
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

const facts = (r: FindingRow): FindingFacts => ({
  id: r.id,
  source: r.source,
  path: r.path,
  product: r.product,
  packageRoot: r.package_root,
  vulnerable: r.product === VULNERABLE_PRODUCT && r.status === 'vulnerable',
});

const isNew = (f: FindingFacts | NewFinding): f is NewFinding => 'row' in f;

/**
 * A host's current findings as scans complete (scan/host-inventory.ts decides, in memory): a few
 * statements per ingest batch whatever its size: the hosts locked, their current findings read,
 * then one UPDATE for the findings replaced and one for those that became current.
 */
@Injectable()
export class ScanInventory {
  constructor(private readonly hosts: HostsService) {}

  /** The stored findings and errors of runs completed now whose first chunks came earlier. */
  async storedFacts(
    runIds: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, RunFacts>> {
    const out = new Map<string, RunFacts>(runIds.map((id) => [id, { findings: [], errors: [] }]));
    if (runIds.length === 0) return out;
    const list = placeholders(runIds.length);
    const { rows } = await rawQuery<FindingRow>(
      manager,
      `SELECT id, scan_run_id, source, path, product, package_root, status FROM findings
       WHERE scan_run_id IN (${list})`,
      runIds,
    );
    for (const r of rows) (out.get(r.scan_run_id)!.findings as FindingFacts[]).push(facts(r));
    const { rows: errors } = await rawQuery<{ scan_run_id: string; path: string; message: string }>(
      manager,
      `SELECT scan_run_id, path, message FROM scan_errors WHERE scan_run_id IN (${list})`,
      runIds,
    );
    for (const e of errors)
      out.get(e.scan_run_id)!.errors.push({ path: e.path, message: e.message });
    return out;
  }

  /**
   * Takes completed runs into their hosts' inventories, in the order their commands were created;
   * sets each run's scope and completeness, and 'current' on the rows of this batch's findings.
   * On PostgreSQL the hosts stay locked for the transaction (ingest batches apply one at a time).
   */
  async apply(
    completed: ScanRunEntity[],
    factsOf: Map<string, RunFacts>,
    commands: ReadonlyMap<string, ResultCommand>,
    manager: EntityManager,
  ): Promise<Applied> {
    const hostIds = [...new Set(completed.map((r) => r.hostId))];
    const hosts = await this.hosts.forVerdicts(hostIds);
    const current = await this.currentOf(hostIds, manager);
    const newest = await this.commandCreatedOfRuns(
      [...hosts.values()].map((h) => h.lastScanRunId).filter((id): id is string => id !== null),
      manager,
    );
    const order = (r: ScanRunEntity) => commands.get(r.commandId)!.createdAt;
    const runs = [...completed].sort((x, y) =>
      order(x) < order(y) ? -1 : order(x) > order(y) ? 1 : 0,
    );
    const inventories = new Map<string, HostInventory>();
    const applied: Applied = { hosts, runs: [], superseded: new Map(), nowCurrent: [] };
    for (const run of runs) {
      const command = commands.get(run.commandId)!;
      const last = hosts.get(run.hostId)?.lastScanRunId;
      const lastCreated = last && last !== run.id ? newest.get(last) : undefined;
      const late = lastCreated !== undefined && lastCreated > command.createdAt;
      let inventory = inventories.get(run.hostId);
      if (!inventory) {
        const newer = late ? await this.runsAfter(run.hostId, command.createdAt, manager) : [];
        inventory = new HostInventory(current.get(run.hostId) ?? [], newer);
        inventories.set(run.hostId, inventory);
      }
      const runFacts = factsOf.get(run.id) ?? { findings: [], errors: [] };
      const scope = scopeOf(scanParams(parsePayload(command.payload)));
      const incomplete = incompleteReason(scope, runFacts.errors);
      run.scope = scopeToJson(scope);
      run.completeness = incomplete === null ? 'complete' : 'incomplete';
      run.incompleteReason = incomplete;
      const completedRun: CompletedRun = {
        id: run.id,
        createdAt: command.createdAt,
        scope,
        incomplete,
        errors: runFacts.errors,
        findings: runFacts.findings,
      };
      const change = inventory.apply(completedRun);
      for (const id of change.superseded) applied.superseded.set(id, run.id);
      for (const f of runFacts.findings) {
        const now = change.current.has(f.id);
        if (isNew(f)) setCurrent(f, now);
        else if (now) applied.nowCurrent.push(f.id);
      }
      if (!late) {
        newest.set(run.id, command.createdAt);
        const host = hosts.get(run.hostId);
        if (host) host.lastScanRunId = run.id;
      }
      applied.runs.push({ run, command, completed: completedRun, change, late });
    }
    return applied;
  }

  /** Writes what apply decided of stored findings (this batch's rows carry it already). */
  async write(applied: Applied, manager: EntityManager): Promise<void> {
    const rows: unknown[][] = [
      ...[...applied.superseded].map(([id, by]) => [id, false, by]),
      ...applied.nowCurrent.map((id) => [id, true, null]),
    ];
    await updateFromValues(
      manager,
      {
        table: 'findings',
        set: 'current = CAST(v.column2 AS BOOLEAN), superseded_by = v.column3',
        where: 'findings.id = v.column1',
      },
      [],
      rows,
    );
  }

  /** The current findings of these hosts, with when the command that saw each was created. */
  private async currentOf(
    hostIds: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, CurrentFinding[]>> {
    const { rows } = await rawQuery<Required<FindingRow>>(
      manager,
      `SELECT f.id, f.host_id, f.scan_run_id, f.source, f.path, f.product, f.package_root, f.status,
         c.created_at
       FROM findings f JOIN commands c ON c.id = f.command_id
       WHERE f.current = $1 AND f.host_id IN (${placeholders(hostIds.length, 2)})`,
      [true, ...hostIds],
    );
    const out = new Map<string, CurrentFinding[]>();
    for (const r of rows) {
      const list = out.get(r.host_id) ?? [];
      list.push({ ...facts(r), runId: r.scan_run_id, seenBy: r.created_at });
      out.set(r.host_id, list);
    }
    return out;
  }

  /** A host's completed runs whose commands were created after `createdAt` (a late run's newer ones). */
  private async runsAfter(
    hostId: string,
    createdAt: string,
    manager: EntityManager,
  ): Promise<CompletedRun[]> {
    const { rows } = await rawQuery<{
      id: string;
      scope: string | null;
      incomplete_reason: string | null;
      completeness: string;
      created_at: string;
    }>(
      manager,
      `SELECT r.id, r.scope, r.completeness, r.incomplete_reason, c.created_at
       FROM scan_runs r JOIN commands c ON c.id = r.command_id
       WHERE r.host_id = $1 AND r.finished_at IS NOT NULL AND c.created_at > $2`,
      [hostId, createdAt],
    );
    const errors = await this.storedFacts(
      rows.map((r) => r.id),
      manager,
    );
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      scope: scopeFromJson(r.scope) satisfies ScanScope,
      incomplete: r.completeness === 'complete' ? null : (r.incomplete_reason ?? 'incomplete'),
      errors: errors.get(r.id)?.errors ?? [],
      findings: [],
    }));
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

function parsePayload(payload: string): Record<string, unknown> {
  try {
    const value = JSON.parse(payload) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
