import type { FindingFacts, RunError } from './scan-rows';
import { covers, type ScanScope } from './scan-scope';

/** A current finding of a host, with when the command of the scan that saw it was created. */
export interface CurrentFinding extends FindingFacts {
  runId: string;
  /** ISO; the order of scans is the order their commands were created. */
  seenBy: string;
}

/** A completed scan run, as the inventory applies it. */
export interface CompletedRun {
  id: string;
  /** When its command was created (ISO). */
  createdAt: string;
  scope: ScanScope;
  /** Why it is incomplete; null when it covered its scope. */
  incomplete: string | null;
  errors: readonly RunError[];
  findings: readonly FindingFacts[];
}

/** What applying a run changed. */
export interface InventoryChange {
  /** Findings of the run that are now current. */
  current: Set<string>;
  /** The run's findings that a newer scan already replaced: id -> that scan run. */
  alreadySuperseded: Map<string, string>;
  /** Earlier current findings this run replaced. */
  superseded: string[];
  /** Whether one of the run's now-current findings is a vulnerable log4j-core. */
  sawVulnerable: boolean;
  /** Whether the host's current findings hold a vulnerable log4j-core after the run. */
  hostVulnerable: boolean;
}

const identity = (f: FindingFacts): string =>
  `${f.source}\u0000${f.path}\u0000${f.product}\u0000${f.packageRoot}`;

/**
 * One host's current findings: the union of what its latest scans saw, each finding owned by its
 * scope. A completed scan replaces earlier findings it saw again (same place, product and package)
 * and, when it is complete, every earlier finding in the places it covered completely
 * (scan-scope.ts covers()); an incomplete scan only adds. A scan whose results arrive after a
 * newer scan's (an agent's outbox) replaces nothing newer, and what the newer scans covered
 * of its own findings is not current.
 */
export class HostInventory {
  private readonly findings = new Map<string, CurrentFinding>();
  /** Completed runs seen (stored ones loaded for late runs, and those applied here). */
  private readonly runs: CompletedRun[] = [];

  constructor(current: Iterable<CurrentFinding>, newerRuns: Iterable<CompletedRun> = []) {
    for (const f of current) this.findings.set(f.id, f);
    this.runs.push(...newerRuns);
  }

  get vulnerable(): boolean {
    for (const f of this.findings.values()) if (f.vulnerable) return true;
    return false;
  }

  apply(run: CompletedRun): InventoryChange {
    const seen = new Set(run.findings.map(identity));
    const superseded: string[] = [];
    for (const f of this.findings.values()) {
      if (f.seenBy >= run.createdAt || f.runId === run.id) continue;
      const replaced =
        seen.has(identity(f)) || (run.incomplete === null && covers(run.scope, run.errors, f));
      if (replaced) superseded.push(f.id);
    }
    for (const id of superseded) this.findings.delete(id);

    const newer = this.runs.filter((r) => r.createdAt > run.createdAt);
    const newerSeen = new Map<string, string>();
    for (const f of this.findings.values())
      if (f.seenBy > run.createdAt) newerSeen.set(identity(f), f.runId);
    const current = new Set<string>();
    const alreadySuperseded = new Map<string, string>();
    let sawVulnerable = false;
    for (const f of run.findings) {
      const by =
        newerSeen.get(identity(f)) ??
        newer.find((r) => r.incomplete === null && covers(r.scope, r.errors, f))?.id;
      if (by) {
        alreadySuperseded.set(f.id, by);
        continue;
      }
      current.add(f.id);
      this.findings.set(f.id, { ...f, runId: run.id, seenBy: run.createdAt });
      if (f.vulnerable) sawVulnerable = true;
    }
    this.runs.push(run);
    return {
      current,
      alreadySuperseded,
      superseded,
      sawVulnerable,
      hostVulnerable: this.vulnerable,
    };
  }
}
