import { loggerFor } from '../common/logger';
import { timeOrderedUuid } from '../common/time-ordered-id';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { EntityManager } from 'typeorm';
import { UploadResultsRequest } from '@log4fleet/contracts';
import type { ScanSummary, UploadResultsResponse } from '@log4fleet/contracts';
import { AgentPrincipal } from '../agents/agents.dto';
import { AuditService } from '../audit/audit.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { AuditRecord } from '../audit/audit.dto';
import { CommandsService, ResultCommand, unknownCommand } from '../commands/commands.service';
import { MicroBatcher, Settled } from '../common/micro-batcher';
import { bulkInsert } from '../database/bulk-insert';
import { isoOrNull } from '../database/column-types';
import { permanentDataError } from '../database/database-errors';
import { placeholders, rawQuery, selectByIds, updateFromValues } from '../database/raw-query';
import { TransactionService } from '../database/transaction.service';
import { HostsService, HostVerdictState } from '../hosts/hosts.service';
import { IngestQueue } from './ingest-queue.service';
import { LimitRefusal, ResultLimits } from './result-limits.service';
import { findingColumns, scanErrorColumns } from './findings.mapper';
import { ScanRunEntity } from './scan-run.entity';

const FINDING_COLUMNS = [
  'id',
  'host_id',
  'scan_run_id',
  'command_id',
  'chain',
  'path',
  'product',
  'version',
  'version_exact',
  'status',
  'cves',
  'evidence',
  'package_root',
  'sha256',
  'created_at',
];
const CHUNK_COLUMNS = [
  'id',
  'agent_id',
  'command_id',
  'sequence',
  'total_chunks',
  'findings_count',
  'errors_count',
  'received_at',
  'payload',
  'ingested_at',
];
const SCAN_ERROR_COLUMNS = [
  'id',
  'host_id',
  'scan_run_id',
  'command_id',
  'chain',
  'path',
  'code',
  'message',
  'created_at',
];

/** A host is vulnerable when its inventory holds an exploitable log4j-core (Log4Shell lives there). */
const VULNERABLE_PRODUCT = 'log4j-core';

/** Which chunk a results.ingest job stores (no payload and no secret in the job: the row holds the bytes). */
export interface ChunkKey {
  agentId: string;
  commandId: string;
  sequence: number;
}

/** `failed`: the chunk can never be ingested and is set aside (result_chunks.failed_at). */
export type IngestOutcome = 'ingested' | 'already-ingested' | 'missing' | 'failed';

/** A stored chunk without its payload; `ingested` also when its payload is gone. */
interface StoredChunk {
  id: string;
  agentId: string;
  commandId: string;
  sequence: number;
  totalChunks: number;
  ingested: boolean;
  failed: boolean;
}

/** A run's stored findings and errors, and whether a vulnerable log4j-core is among them. */
interface RunCounts {
  findings: number;
  errors: number;
  vulnerable: boolean;
}

interface Upload {
  principal: AgentPrincipal;
  chunk: UploadResultsRequest;
  /** The chunk as stored: protobuf, base64. */
  payload: string;
}

/** Uploads stored per transaction at most. */
const UPLOAD_BATCH = 200;

@Injectable()
export class ResultsIngestService {
  private readonly logger = loggerFor(ResultsIngestService.name);
  /** Chunks ingested per transaction: as many as the queue runs at once (QueueSettings.batchSize). */
  private readonly batcher: MicroBatcher<ChunkKey, IngestOutcome>;
  /** Bytes of the uploads accepted and not yet stored. */
  private uploadBytes = 0;
  private readonly uploads = new MicroBatcher<Upload, UploadResultsResponse>(
    (uploads) => this.acceptBatch(uploads),
    UPLOAD_BATCH,
  );

  constructor(
    private readonly tx: TransactionService,
    private readonly commands: CommandsService,
    private readonly hosts: HostsService,
    private readonly audit: AuditService,
    private readonly ingestQueue: IngestQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly limits: ResultLimits,
  ) {
    this.batcher = new MicroBatcher((keys) => this.ingestBatch(keys), ingestQueue.batchSize);
  }

  /**
   * Keeps one chunk raw, keyed by (agent, command, sequence), and answers at once: a repeated
   * chunk stores nothing and answers duplicate=true; `complete` means every chunk was received.
   * A results.ingest job turns it into findings later. While ingestion is too far behind the
   * upload is refused (RESOURCE_EXHAUSTED) and the agent keeps the chunk in its outbox. Uploads
   * that arrive together (from all agents) are stored in one transaction.
   */
  async accept(
    principal: AgentPrincipal,
    chunk: UploadResultsRequest,
  ): Promise<UploadResultsResponse> {
    // Uploads wait here while a batch is stored: bounded by bytes, so that a burst of large
    // chunks is refused (the agents keep them and retry) instead of exhausting the heap.
    const payload = Buffer.from(UploadResultsRequest.encode(chunk).finish()).toString('base64');
    const limit = this.config.uploadMaxInflightBytes;
    if (this.uploadBytes > 0 && this.uploadBytes + payload.length > limit)
      throw new DomainException(
        DomainErrorCode.ResourceExhausted,
        `the controller is storing ${Math.ceil(this.uploadBytes / 1048576)} MB of uploads (limit ${Math.round(limit / 1048576)} MB, UPLOAD_MAX_INFLIGHT_MB); keep the chunk and retry later`,
      );
    this.uploadBytes += payload.length;
    try {
      return await this.uploads.submit({ principal, chunk, payload });
    } finally {
      this.uploadBytes -= payload.length;
    }
  }

  private async acceptBatch(uploads: Upload[]): Promise<Array<Settled<UploadResultsResponse>>> {
    try {
      await this.ingestQueue.refuseWhenBehind();
    } catch (error) {
      return uploads.map(() => ({ ok: false, error }));
    }
    const refusals: LimitRefusal[] = [];
    const { outcomes, pending } = await this.tx.run(async (manager) => {
      refusals.length = 0;
      const outcomes: Array<Settled<UploadResultsResponse>> = [];
      const pending: ChunkKey[] = [];
      const commands = await this.commands.forResults(
        uploads.map((u) => u.chunk.commandId),
        manager,
        this.tx.isPostgres,
      );
      const stored = await this.storedChunks([...commands.keys()], manager);
      const usage = await this.limits.usage(
        uploads.map((u) => ({ agentId: u.principal.agentId, commandId: u.chunk.commandId })),
        manager,
      );
      const rows: unknown[][] = [];
      const lateResults: AuditRecord[] = [];
      const receivedAt = new Date().toISOString();
      for (const { principal, chunk, payload } of uploads) {
        const agentId = principal.agentId;
        const key: ChunkKey = { agentId, commandId: chunk.commandId, sequence: chunk.sequence };
        const command = commands.get(chunk.commandId);
        if (!command || command.agentId !== agentId) {
          outcomes.push({
            ok: false,
            error: unknownCommand(chunk.commandId, agentId),
          });
          continue;
        }
        const refusal = resultsRefusal(command);
        if (refusal) {
          outcomes.push({
            ok: false,
            error: new DomainException(DomainErrorCode.FailedPrecondition, refusal),
          });
          lateResults.push({
            actor: agentId,
            action: 'results.refused',
            hostId: command.hostId,
            details: { commandId: command.id, sequence: chunk.sequence, state: command.state },
          });
          continue;
        }
        const mine = (stored.get(command.id) ?? []).filter((c) => c.agentId === agentId);
        const existing = mine.find((c) => c.sequence === chunk.sequence);
        if (existing) {
          outcomes.push({
            ok: true,
            value: {
              duplicate: true,
              chunksReceived: mine.length,
              complete: mine.length >= chunk.totalChunks,
            },
          });
          // Also for a duplicate not yet ingested: the job id is deterministic, this adds nothing twice.
          if (!existing.ingested && !existing.failed) pending.push(key);
          continue;
        }
        try {
          this.checkConsistent(command, chunk, mine[0]?.totalChunks ?? null);
        } catch (error) {
          outcomes.push({ ok: false, error });
          continue;
        }
        const limited = this.limits.check(agentId, command.hostId, chunk, payload, usage);
        if (limited) {
          if (limited.refusal) refusals.push(limited.refusal);
          outcomes.push({ ok: false, error: limited.error });
          continue;
        }
        const id = timeOrderedUuid();
        rows.push([
          id,
          agentId,
          command.id,
          chunk.sequence,
          chunk.totalChunks,
          chunk.findings.length,
          chunk.errors.length,
          receivedAt,
          payload,
          null,
        ]);
        const list = stored.get(command.id) ?? [];
        list.push({ id, ...key, totalChunks: chunk.totalChunks, ingested: false, failed: false });
        stored.set(command.id, list);
        outcomes.push({
          ok: true,
          value: {
            duplicate: false,
            chunksReceived: mine.length + 1,
            complete: mine.length + 1 >= chunk.totalChunks,
          },
        });
        pending.push(key);
      }
      await bulkInsert(manager, 'result_chunks', CHUNK_COLUMNS, rows);
      await this.audit.recordMany(lateResults, manager);
      return { outcomes, pending };
    });
    await this.ingestQueue.enqueueSafely(pending);
    await this.limits.apply(refusals);
    return outcomes;
  }

  /**
   * The results.ingest job: stores the chunk's findings and errors and marks it ingested; a chunk
   * already ingested stores nothing (a retried job after a crash). The last chunk of a command
   * completes the scan run and applies the host's verdict. Chunks whose jobs run at the same time
   * are ingested together (one transaction, set-based statements); a batch that fails is retried
   * chunk by chunk, so a bad chunk fails its own job alone.
   */
  async ingest(key: ChunkKey): Promise<IngestOutcome> {
    try {
      return await this.batcher.submit(key);
    } catch (error) {
      // The batcher ran this chunk alone before failing it: when the database refused its values
      // (an invalid byte sequence, a value too long...), no retry can store it; it is set aside
      // with the reason. Anything else (a lost connection, a deadlock) fails the job, to be retried.
      const reason = permanentDataError(error);
      if (reason === null) throw error;
      return this.setAsideAlone(
        key,
        `result chunk ${key.commandId}/${key.sequence} of agent ${key.agentId} cannot be stored (${reason}); it is set aside, not ingested`,
      );
    }
  }

  /** Sets one stored chunk aside after its ingestion failed for good (its own transaction). */
  private setAsideAlone(key: ChunkKey, error: string): Promise<IngestOutcome> {
    return this.tx.run(async (manager) => {
      const commands = await this.commands.forResults([key.commandId], manager, this.tx.isPostgres);
      const row = (await this.storedChunks([key.commandId], manager))
        .get(key.commandId)
        ?.find((c) => c.agentId === key.agentId && c.sequence === key.sequence);
      if (!row) return 'missing';
      if (row.ingested) return 'already-ingested';
      if (!row.failed) await this.setAside([{ chunk: row, error }], commands, manager);
      return 'failed';
    });
  }

  private ingestBatch(keys: ChunkKey[]): Promise<Array<Settled<IngestOutcome>>> {
    return this.tx.run(async (manager) => {
      const lock = this.tx.isPostgres;
      const outcomes: Array<Settled<IngestOutcome> | undefined> = keys.map(() => undefined);
      const commands = await this.commands.forResults(
        keys.map((k) => k.commandId),
        manager,
        lock,
      );
      const stored = await this.storedChunks([...commands.keys()], manager);
      const todo: Array<{ index: number; row: StoredChunk }> = [];
      const lateChunks: Array<{ chunk: StoredChunk; error: string }> = [];
      const taken = new Set<string>();
      keys.forEach((key, index) => {
        const command = commands.get(key.commandId);
        if (!command || command.agentId !== key.agentId) {
          outcomes[index] = {
            ok: false,
            error: unknownCommand(key.commandId, key.agentId),
          };
          return;
        }
        const row = stored
          .get(key.commandId)
          ?.find((c) => c.agentId === key.agentId && c.sequence === key.sequence);
        if (!row) {
          this.logger.warn(key, 'ingest job for a chunk that was never stored');
          outcomes[index] = { ok: true, value: 'missing' };
        } else if (row.ingested || taken.has(row.id)) {
          outcomes[index] = { ok: true, value: 'already-ingested' };
        } else if (row.failed) {
          outcomes[index] = { ok: true, value: 'failed' };
        } else {
          taken.add(row.id);
          const refusal = resultsRefusal(command);
          if (refusal) {
            // Stored before the command was cancelled or expired: never applied to the host.
            lateChunks.push({ chunk: row, error: refusal });
            outcomes[index] = { ok: true, value: 'failed' };
          } else todo.push({ index, row });
        }
      });
      if (lateChunks.length > 0) await this.setAside(lateChunks, commands, manager);
      if (todo.length > 0) {
        const ingested = await this.ingestChunks(
          todo.map((t) => t.row),
          commands,
          stored,
          manager,
        );
        for (const t of todo) outcomes[t.index] = { ok: true, value: ingested.get(t.row.id)! };
      }
      return outcomes.map((o) => o!);
    });
  }

  /** Every chunk row of these commands (no payloads), by command. */
  private async storedChunks(
    commandIds: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, StoredChunk[]>> {
    const byCommand = new Map<string, StoredChunk[]>();
    if (commandIds.length === 0) return byCommand;
    const { rows } = await rawQuery<{
      id: string;
      agent_id: string;
      command_id: string;
      sequence: number;
      total_chunks: number;
      ingested: number | string;
      failed: number | string;
    }>(
      manager,
      `SELECT id, agent_id, command_id, sequence, total_chunks,
         CASE WHEN ingested_at IS NULL AND payload IS NOT NULL THEN 0 ELSE 1 END AS ingested,
         CASE WHEN failed_at IS NULL THEN 0 ELSE 1 END AS failed
       FROM result_chunks WHERE command_id IN (${placeholders(commandIds.length)})`,
      commandIds,
    );
    for (const r of rows) {
      const list = byCommand.get(r.command_id) ?? [];
      list.push({
        id: r.id,
        agentId: r.agent_id,
        commandId: r.command_id,
        sequence: Number(r.sequence),
        totalChunks: Number(r.total_chunks),
        ingested: Number(r.ingested) === 1,
        failed: Number(r.failed) === 1,
      });
      byCommand.set(r.command_id, list);
    }
    return byCommand;
  }

  private async ingestChunks(
    chunks: StoredChunk[],
    commands: Map<string, ResultCommand>,
    stored: Map<string, StoredChunk[]>,
    manager: EntityManager,
  ): Promise<Map<string, IngestOutcome>> {
    const payloads = await selectByIds<{ id: string; payload: string }>(
      manager,
      'result_chunks',
      'id, payload',
      chunks.map((c) => c.id),
      false,
    );
    const payloadOf = new Map(payloads.map((p) => [p.id, p.payload]));
    const decoded = new Map<string, UploadResultsRequest>();
    const unreadable: Array<{ chunk: StoredChunk; error: string }> = [];
    for (const c of chunks) {
      try {
        decoded.set(c.id, decodeStored(c, payloadOf.get(c.id)!));
      } catch (error) {
        unreadable.push({ chunk: c, error: (error as Error).message });
      }
    }
    if (unreadable.length > 0) await this.setAside(unreadable, commands, manager);
    const outcomes = new Map<string, IngestOutcome>(
      unreadable.map((u) => [u.chunk.id, 'failed' as const]),
    );
    chunks = chunks.filter((c) => decoded.has(c.id));
    if (chunks.length === 0) return outcomes;
    const ids = chunks.map((c) => c.id);
    const { runs, fresh } = await this.scanRunsFor(
      [...new Set(chunks.map((c) => c.commandId))].map((id) => commands.get(id)!),
      manager,
    );
    const findings: unknown[][] = [];
    const errors: unknown[][] = [];
    const tally = new Map<string, RunCounts>();
    const now = new Date();
    const createdAt = now.toISOString();
    // In sequence order per command, so that the last summary wins.
    chunks.sort((x, y) => x.commandId.localeCompare(y.commandId) || x.sequence - y.sequence);
    for (const c of chunks) {
      const chunk = decoded.get(c.id)!;
      const run = runs.get(c.commandId)!;
      const counts = tally.get(run.id) ?? { findings: 0, errors: 0, vulnerable: false };
      addRows(run, chunk, createdAt, findings, errors, counts);
      tally.set(run.id, counts);
      if (chunk.summary) applySummary(run, chunk.summary);
    }
    const newly = new Set(ids);
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
    const marked = await rawQuery(
      manager,
      `UPDATE result_chunks SET ingested_at = $1
       WHERE ingested_at IS NULL AND id IN (${placeholders(ids.length, 2)})`,
      [createdAt, ...ids],
    );
    if (marked.affected !== ids.length)
      throw new Error(
        `${ids.length - marked.affected} of ${ids.length} result chunks were ingested concurrently`,
      );
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
    for (const id of ids) outcomes.set(id, 'ingested');
    return outcomes;
  }

  /**
   * Chunks whose bytes do not decode can never be ingested: they are set aside (failed_at and the
   * reason on the row, an audit event on the host) instead of failing their jobs again and again.
   * Their command's scan stays incomplete, so the host keeps its state: a scan missing a part
   * must not clear it. GET /commands/:id/results shows them; POST …/results/retry tries again.
   */
  private async setAside(
    unreadable: ReadonlyArray<{ chunk: StoredChunk; error: string }>,
    commands: Map<string, ResultCommand>,
    manager: EntityManager,
  ): Promise<void> {
    const failedAt = new Date().toISOString();
    await updateFromValues(
      manager,
      {
        table: 'result_chunks',
        set: 'failed_at = $1, failure = v.column2',
        where: 'result_chunks.id = v.column1 AND result_chunks.ingested_at IS NULL',
      },
      [failedAt],
      unreadable.map((u) => [u.chunk.id, u.error]),
    );
    await this.audit.recordMany(
      unreadable.map(({ chunk, error }) => ({
        actor: 'system',
        action: 'results.chunk_failed',
        hostId: commands.get(chunk.commandId)?.hostId ?? null,
        details: {
          commandId: chunk.commandId,
          agentId: chunk.agentId,
          sequence: chunk.sequence,
          error,
        },
      })),
      manager,
    );
    for (const { chunk, error } of unreadable)
      this.logger.error(
        { commandId: chunk.commandId, sequence: chunk.sequence, agentId: chunk.agentId },
        error,
      );
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
    commands: Map<string, ResultCommand>,
    manager: EntityManager,
  ): Promise<void> {
    const now = new Date();
    const hostIds = [...new Set(runs.map((r) => r.hostId))];
    const hosts = await this.hosts.forVerdicts(hostIds, manager, this.tx.isPostgres);
    const remediated = await this.commands.hostsWithRecordedRemediation(hostIds, manager);
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
      await this.commands.settleRemediations(s.hostId, s.verified, s.run.id, s.actor, manager);
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

  /**
   * A chunk's total must match the one announced before: by its command's first stored chunk
   * (`stored`), or, when none is stored, by the agent's success report (commands.total_chunks).
   * The command row is not written here: agents' reports update it meanwhile.
   */
  private checkConsistent(
    command: ResultCommand,
    chunk: UploadResultsRequest,
    stored: number | null,
  ): void {
    if (command.kind !== 'scan')
      throw DomainException.invalid(
        `command ${command.id} is a ${command.kind}, which uploads no scan results`,
      );
    const announced = stored ?? command.totalChunks;
    if (announced !== null && announced !== chunk.totalChunks) {
      throw DomainException.invalid(
        `command ${command.id}: total_chunks ${chunk.totalChunks} differs from the ${announced} announced before`,
      );
    }
  }
}

/**
 * Why results for this command are refused, or null. The controller cancels or expires only a
 * command it has not seen start (queued or delivered): such a command is over, and results that
 * come for it later (an agent that ran it anyway, its 'started' report arriving after the
 * cancel) never count, whatever the agent did meanwhile; the controller's record decides. A
 * command recorded as started can no longer be cancelled, so its results always count.
 */
function resultsRefusal(command: ResultCommand): string | null {
  if (command.state !== 'cancelled' && command.state !== 'expired') return null;
  return `command ${command.id} was ${command.state} before it started; its results are not accepted (run a new scan)`;
}

function decodeStored(chunk: StoredChunk, payload: string): UploadResultsRequest {
  try {
    return UploadResultsRequest.decode(Buffer.from(payload, 'base64'));
  } catch (error) {
    throw new Error(
      `result chunk ${chunk.commandId}/${chunk.sequence} of agent ${chunk.agentId} cannot be decoded (${error instanceof Error ? error.message : String(error)}); it is set aside, not ingested`,
    );
  }
}

function applySummary(run: ScanRunEntity, summary: ScanSummary): void {
  run.files = summary.files;
  run.directories = summary.directories;
  run.archives = summary.archives;
  run.bytesRead = summary.bytes;
  run.vulnerable = summary.vulnerable;
  run.mitigated = summary.mitigated;
  run.safe = summary.safe;
  run.unknown = summary.unknown;
  run.durationMs = summary.durationMs;
  if (summary.startedAtMs > 0) run.startedAt = new Date(summary.startedAtMs);
}

/** One finding row and one error row per entry of the chunk, in FINDING_COLUMNS / SCAN_ERROR_COLUMNS order. */
function addRows(
  run: ScanRunEntity,
  chunk: UploadResultsRequest,
  createdAt: string,
  findings: unknown[][],
  errors: unknown[][],
  counts: RunCounts,
): void {
  const base = [run.hostId, run.id, run.commandId];
  counts.findings += chunk.findings.length;
  counts.errors += chunk.errors.length;
  for (const f of chunk.findings) {
    const c = findingColumns(f);
    if (c.product === VULNERABLE_PRODUCT && c.status === 'vulnerable') counts.vulnerable = true;
    findings.push([
      timeOrderedUuid(),
      ...base,
      c.chain,
      c.path,
      c.product,
      c.version,
      c.versionExact,
      c.status,
      c.cves,
      c.evidence,
      c.packageRoot,
      c.sha256,
      createdAt,
    ]);
  }
  for (const e of chunk.errors) {
    const c = scanErrorColumns(e);
    errors.push([timeOrderedUuid(), ...base, c.chain, c.path, c.code, c.message, createdAt]);
  }
}

const SCAN_RUN_COLUMNS = [
  'id',
  'host_id',
  'command_id',
  'started_at',
  'finished_at',
  'files',
  'directories',
  'archives',
  'bytes_read',
  'findings_count',
  'errors_count',
  'vulnerable',
  'mitigated',
  'safe',
  'unknown',
  'duration_ms',
  'created_at',
];

/** id, host_id, command_id: a stored run's keys, never updated. */
const RUN_KEY_COLUMNS = 3;

/** A scan run's values in SCAN_RUN_COLUMNS order. */
function scanRunRow(run: ScanRunEntity): unknown[] {
  return [
    run.id,
    run.hostId,
    run.commandId,
    isoOrNull(run.startedAt),
    isoOrNull(run.finishedAt),
    run.files,
    run.directories,
    run.archives,
    run.bytesRead,
    run.findingsCount,
    run.errorsCount,
    run.vulnerable,
    run.mitigated,
    run.safe,
    run.unknown,
    run.durationMs,
    run.createdAt.toISOString(),
  ];
}

/** A scan_runs row read with SCAN_RUN_COLUMNS (PostgreSQL returns bigint as a string). */
function scanRunFromRow(row: Record<string, unknown>): ScanRunEntity {
  const date = (v: unknown) => (v ? new Date(v as string) : null);
  return {
    id: row.id as string,
    hostId: row.host_id as string,
    commandId: row.command_id as string,
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    files: Number(row.files),
    directories: Number(row.directories),
    archives: Number(row.archives),
    bytesRead: Number(row.bytes_read),
    findingsCount: Number(row.findings_count),
    errorsCount: Number(row.errors_count),
    vulnerable: Number(row.vulnerable),
    mitigated: Number(row.mitigated),
    safe: Number(row.safe),
    unknown: Number(row.unknown),
    durationMs: Number(row.duration_ms),
    createdAt: new Date(row.created_at as string),
  };
}
