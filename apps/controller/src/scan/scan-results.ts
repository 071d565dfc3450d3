import { Injectable } from '@nestjs/common';
import type { UploadResultsRequest } from '@log4fleet/contracts';
import { AuditRecord } from '../audit/audit.dto';
import { AuditService } from '../audit/audit.service';
import { CommandsService, type ResultCommand } from '../commands/commands.service';
import { DomainException } from '../common/domain.exception';
import { loggerFor } from '../common/logger';
import { timeOrderedUuid } from '../common/time-ordered-id';
import { TransactionService } from '../database/transaction.service';
import { HostsService, HostVerdictState } from '../hosts/hosts.service';
import type { AfterCommit, KindResultHandler } from '../results/kind-results';
import {
  AutoQuarantineService,
  type BecameVulnerable,
} from '../quarantine/auto-quarantine.service';
import { ScanRunEntity } from '../results/scan-run.entity';
import { HostEvent } from '../hosts/host-state';
import {
  PendingRemediation,
  ProofOutcome,
  proveRemediation,
} from '../verification/remediation-proof';
import { Applied, RunFacts, ScanInventory } from './scan-inventory';
import { RunCounts, RunError, NewFinding, applySummary, addRows } from './scan-rows';
import { ScanRunsRepository } from './scan-runs.repository';

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
 * (multi-row INSERTs), and a scan whose every chunk arrived completes: the host's current
 * findings (scan-inventory.ts), the remediations it proves, the host's state (hosts/host-state.ts),
 * the audit. Runs in the ingestion's
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
    private readonly inventory: ScanInventory,
    private readonly autoQuarantine: AutoQuarantineService,
    private readonly repo: ScanRunsRepository,
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
    afterCommit: AfterCommit,
  ): Promise<void> {
    const { runs, fresh } = await this.scanRunsFor(
      [...new Set(chunks.map((c) => c.commandId))].map((id) => commands.get(id)!),
    );
    const findings = new Map<string, NewFinding[]>();
    const runErrors = new Map<string, RunError[]>();
    const errors: unknown[][] = [];
    const tally = new Map<string, RunCounts>();
    const now = new Date(createdAt);
    // In sequence order per command, so that the last summary wins.
    chunks.sort((x, y) => x.commandId.localeCompare(y.commandId) || x.sequence - y.sequence);
    for (const c of chunks) {
      const chunk = c.results;
      const run = runs.get(c.commandId)!;
      const counts = tally.get(run.id) ?? { findings: 0, errors: 0, vulnerable: false };
      const own = findings.get(run.id) ?? [];
      const ownErrors = runErrors.get(run.id) ?? [];
      addRows(run, chunk, createdAt, own, errors, counts, ownErrors);
      findings.set(run.id, own);
      runErrors.set(run.id, ownErrors);
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
    // it is written once, finished or not. Older runs are read back from the stored rows.
    const facts = new Map<string, RunFacts>();
    for (const run of completed) {
      run.finishedAt = now;
      if (!fresh.has(run.id)) continue;
      const counts = tally.get(run.id)!;
      run.findingsCount = counts.findings;
      run.errorsCount = counts.errors;
      facts.set(run.id, {
        findings: findings.get(run.id) ?? [],
        errors: runErrors.get(run.id) ?? [],
      });
    }
    const older = completed.filter((r) => !fresh.has(r.id));
    for (const [id, f] of await this.inventory.storedFacts(older.map((r) => r.id)))
      facts.set(id, f);
    for (const run of older) {
      // Its stored rows, and this batch's, not stored yet.
      const stored = facts.get(run.id)!;
      const f: RunFacts = {
        findings: [...stored.findings, ...(findings.get(run.id) ?? [])],
        errors: [...stored.errors, ...(runErrors.get(run.id) ?? [])],
      };
      facts.set(run.id, f);
      run.findingsCount = f.findings.length;
      run.errorsCount = f.errors.length;
    }
    const applied =
      completed.length > 0 ? await this.inventory.apply(completed, facts, commands) : undefined;
    await this.repo.insertRuns([...runs.values()].filter((r) => fresh.has(r.id)));
    await this.repo.insertFindings([...findings.values()].flat().map((f) => f.row));
    await this.repo.insertErrors(errors);
    for (const run of runs.values()) if (!fresh.has(run.id)) await this.repo.saveRun(run);
    if (applied) {
      await this.inventory.write(applied);
      const vulnerable = await this.completeScans(completed, applied);
      // The AUTO_QUARANTINE policy acts once the verdicts are committed (off: nothing to do).
      if (vulnerable.length > 0 && this.autoQuarantine.enabled)
        afterCommit(() => this.autoQuarantine.onBecameVulnerable(vulnerable));
    }
  }

  /** The commands' scan runs; those that have none yet get one, in `fresh`, not stored yet. */
  private async scanRunsFor(
    commands: readonly ResultCommand[],
  ): Promise<{ runs: Map<string, ScanRunEntity>; fresh: Set<string> }> {
    const runs = new Map<string, ScanRunEntity>();
    for (const run of await this.repo.runsOfCommands(commands.map((c) => c.id)))
      runs.set(run.commandId, run);
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
        scope: null,
        completeness: 'unfinished',
        incompleteReason: null,
      };
      runs.set(command.id, run);
      fresh.add(run.id);
    }
    return { runs, fresh };
  }

  /**
   * The last chunk of these commands is in, and their hosts' inventories took them in (in the
   * order the commands were created): the remediations each run proves or not
   * (verification/remediation-proof.ts), then the host's state by its rule (hosts/host-state.ts),
   * the audit. Returns the hosts these scans made `vulnerable` (from another status).
   */
  private async completeScans(
    completed: ScanRunEntity[],
    applied: Applied,
  ): Promise<BecameVulnerable[]> {
    const becameVulnerable = new Map<string, string>();
    const now = new Date();
    const hostIds = [...new Set(completed.map((r) => r.hostId))];
    const pending = new Map<string, PendingRemediation[]>();
    for (const p of await this.commands.pendingRemediations(hostIds))
      pending.set(p.hostId, [...(pending.get(p.hostId) ?? []), p]);
    const events: AuditRecord[] = [];
    const changed = new Set<HostVerdictState>();
    const settle: Array<{
      hostId: string;
      id: string;
      proof: ProofOutcome;
      runId: string;
      actor: string;
    }> = [];
    for (const { run, command, completed: facts, change, late } of applied.runs) {
      const host = applied.hosts.get(run.hostId);
      if (!host) throw DomainException.notFound('host', run.hostId);
      const actor = command.agentId;
      events.push({
        actor,
        action: 'scan.completed',
        hostId: run.hostId,
        details: {
          scanRunId: run.id,
          commandId: run.commandId,
          findings: run.findingsCount,
          errors: run.errorsCount,
          vulnerable: change.sawVulnerable,
          completeness: run.completeness,
          ...(run.incompleteReason ? { incompleteReason: run.incompleteReason } : {}),
          ...(late ? { superseded: true } : {}),
        },
      });
      const hostEvents: HostEvent[] = [];
      const open = pending.get(run.hostId) ?? [];
      for (const remediation of [...open]) {
        const proof = proveRemediation(remediation, facts);
        settle.push({ hostId: run.hostId, id: remediation.id, proof, runId: run.id, actor });
        if (proof.outcome === 'unverified') continue;
        open.splice(open.indexOf(remediation), 1);
        hostEvents.push(
          proof.outcome === 'verified' ? 'remediation-verified' : 'remediation-failed',
        );
      }
      // What a scan created before every open remediation saw is what they fixed: it keeps the
      // host as it is (remediated) rather than making it vulnerable again.
      const beforeFix = open.length > 0 && open.every((r) => command.createdAt <= r.at);
      hostEvents.push(
        change.sawVulnerable && !beforeFix
          ? 'scan-saw-vulnerable'
          : change.hostVulnerable || change.sawVulnerable
            ? 'scan-kept-vulnerable'
            : 'scan-clean',
      );
      if (!late) host.lastScanAt = now.toISOString();
      const before = host.status;
      for (const event of hostEvents)
        events.push(
          ...this.hosts.applyHostEvent(
            host,
            event,
            open.length > 0,
            { actor, scanRunId: run.id },
            now,
          ),
        );
      if (host.status === 'vulnerable' && before !== 'vulnerable')
        becameVulnerable.set(host.id, run.id);
      else if (host.status !== 'vulnerable') becameVulnerable.delete(host.id);
      changed.add(host);
      this.logger.debug(
        { hostId: host.id, scanRunId: run.id, status: host.status, findings: run.findingsCount },
        'scan completed',
      );
    }
    await this.hosts.saveVerdicts([...changed]);
    await this.audit.recordMany(events);
    for (const s of settle)
      await this.commands.settleRemediation(s.hostId, s.id, s.proof, s.runId, s.actor);
    return [...becameVulnerable].map(([hostId, scanRunId]) => ({ hostId, scanRunId }));
  }
}
