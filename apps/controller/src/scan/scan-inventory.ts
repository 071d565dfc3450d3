import { Injectable } from '@nestjs/common';
import type { ResultCommand } from '../commands/commands.service';
import { TransactionService } from '../database/transaction.service';
import { HostsService, HostVerdictState } from '../hosts/hosts.service';
import { ScanRunEntity } from '../results/scan-run.entity';
import { CompletedRun, CurrentFinding, HostInventory, InventoryChange } from './host-inventory';
import { scanParams } from './scan.kind';
import { FindingFacts, NewFinding, RunError, setCurrent, VULNERABLE_PRODUCT } from './scan-rows';
import { FindingRow, ScanRunsRepository } from './scan-runs.repository';
import {
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
  constructor(
    private readonly tx: TransactionService,
    private readonly hosts: HostsService,
    private readonly repo: ScanRunsRepository,
  ) {}

  /** The stored findings and errors of runs completed now whose first chunks came earlier. */
  async storedFacts(runIds: readonly string[]): Promise<Map<string, RunFacts>> {
    const out = new Map<string, RunFacts>(runIds.map((id) => [id, { findings: [], errors: [] }]));
    if (runIds.length === 0) return out;
    for (const r of await this.repo.findingsOfRuns(runIds))
      (out.get(r.scan_run_id)!.findings as FindingFacts[]).push(facts(r));
    for (const e of await this.repo.errorsOfRuns(runIds))
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
  ): Promise<Applied> {
    const hostIds = [...new Set(completed.map((r) => r.hostId))];
    const hosts = await this.hosts.forVerdicts(hostIds);
    const current = await this.currentOf(hostIds);
    const newest = await this.repo.commandCreatedOfRuns(
      [...hosts.values()].map((h) => h.lastScanRunId).filter((id): id is string => id !== null),
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
        const newer = late ? await this.runsAfter(run.hostId, command.createdAt) : [];
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
  async write(applied: Applied): Promise<void> {
    await this.repo.markFindings([
      ...[...applied.superseded].map(([id, by]) => [id, false, by]),
      ...applied.nowCurrent.map((id) => [id, true, null]),
    ]);
  }

  /** The current findings of these hosts, with when the command that saw each was created. */
  private async currentOf(hostIds: readonly string[]): Promise<Map<string, CurrentFinding[]>> {
    const out = new Map<string, CurrentFinding[]>();
    for (const r of await this.repo.currentFindingsOf(hostIds)) {
      const list = out.get(r.host_id) ?? [];
      list.push({ ...facts(r), runId: r.scan_run_id, seenBy: r.created_at });
      out.set(r.host_id, list);
    }
    return out;
  }

  /** A host's completed runs whose commands were created after `createdAt` (a late run's newer ones). */
  private async runsAfter(hostId: string, createdAt: string): Promise<CompletedRun[]> {
    const rows = await this.repo.completedRunsAfter(hostId, createdAt);
    const errors = await this.storedFacts(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      scope: scopeFromJson(r.scope) satisfies ScanScope,
      incomplete: r.completeness === 'complete' ? null : (r.incomplete_reason ?? 'incomplete'),
      errors: errors.get(r.id)?.errors ?? [],
      findings: [],
    }));
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
