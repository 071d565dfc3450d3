import { loggerFor } from '../common/logger';
import { timeOrderedUuid } from '../common/time-ordered-id';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { EntityManager } from 'typeorm';
import { UploadResultsRequest } from '@log4fleet/contracts';
import type { UploadResultsResponse } from '@log4fleet/contracts';
import { AgentPrincipal } from '../agents/agents.dto';
import { AuditService } from '../audit/audit.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { AuditRecord } from '../audit/audit.dto';
import { CommandsService, ResultCommand, unknownCommand } from '../commands/commands.service';
import { MicroBatcher, Settled } from '../common/micro-batcher';
import { bulkInsert } from '../database/bulk-insert';
import { permanentDataError } from '../database/database-errors';
import { placeholders, rawQuery, selectByIds, updateFromValues } from '../database/raw-query';
import { TransactionService } from '../database/transaction.service';
import { IngestQueue } from './ingest-queue.service';
import { LimitRefusal, ResultLimits } from './result-limits.service';
import { ScanResults } from '../scan/scan-results';

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
    private readonly audit: AuditService,
    private readonly ingestQueue: IngestQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly limits: ResultLimits,
    private readonly scanResults: ScanResults,
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
    const createdAt = new Date().toISOString();
    await this.scanResults.ingest(
      chunks.map((c) => ({ ...c, results: decoded.get(c.id)! })),
      commands,
      stored,
      createdAt,
      manager,
    );
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
