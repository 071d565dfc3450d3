import { timeOrderedUuid } from '../common/time-ordered-id';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { UploadResultsRequest } from '@log4fleet/contracts';
import type { UploadResultsResponse } from '@log4fleet/contracts';
import { AgentPrincipal } from '../agents/agents.dto';
import { AuditService } from '../audit/audit.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { AuditRecord } from '../audit/audit.dto';
import { CommandsService, unknownCommand } from '../commands/commands.service';
import { MicroBatcher, Settled } from '../common/micro-batcher';
import { TransactionService } from '../database/transaction.service';
import { IngestQueue } from './ingest-queue.service';
import { LimitRefusal, ResultLimits } from './result-limits.service';
import { checkConsistent, resultsRefusal } from './result-chunk-checks';
import { KIND_RESULT_HANDLERS, KindResultHandler, handlersByKind } from './kind-results';
import { ChunkKey, NewChunk, ResultChunksRepository } from './result-chunks.repository';

interface Upload {
  principal: AgentPrincipal;
  chunk: UploadResultsRequest;
  /** The chunk as stored: protobuf, base64. */
  payload: string;
}

/** Uploads stored per transaction at most. */
const UPLOAD_BATCH = 200;

/** Accepting uploaded result chunks: checks, limits, storage; ingestion is a job (ResultsIngestService). */
@Injectable()
export class ResultUploadsService {
  /** Bytes of the uploads accepted and not yet stored. */
  private uploadBytes = 0;
  private readonly uploads = new MicroBatcher<Upload, UploadResultsResponse>(
    (uploads) => this.acceptBatch(uploads),
    UPLOAD_BATCH,
  );

  constructor(
    private readonly tx: TransactionService,
    private readonly chunks: ResultChunksRepository,
    private readonly commands: CommandsService,
    private readonly audit: AuditService,
    private readonly ingestQueue: IngestQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly limits: ResultLimits,
    @Inject(KIND_RESULT_HANDLERS) handlers: readonly KindResultHandler[],
  ) {
    this.handledKinds = new Set(handlersByKind(handlers).keys());
  }

  /** The kinds whose commands upload results (those with result handling). */
  private readonly handledKinds: ReadonlySet<string>;

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
    const { outcomes, pending } = await this.tx.run(async () => {
      refusals.length = 0;
      const outcomes: Array<Settled<UploadResultsResponse>> = [];
      const pending: ChunkKey[] = [];
      const commands = await this.commands.forResults(uploads.map((u) => u.chunk.commandId));
      const stored = await this.chunks.storedOf([...commands.keys()]);
      const usage = await this.limits.usage(
        uploads.map((u) => ({ agentId: u.principal.agentId, commandId: u.chunk.commandId })),
      );
      const rows: NewChunk[] = [];
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
          checkConsistent(command, chunk, mine[0]?.totalChunks ?? null, this.handledKinds);
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
        rows.push({
          id,
          ...key,
          commandId: command.id,
          totalChunks: chunk.totalChunks,
          findingsCount: chunk.findings.length,
          errorsCount: chunk.errors.length,
          receivedAt,
          payload,
        });
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
      await this.chunks.insertMany(rows);
      await this.audit.recordMany(lateResults);
      return { outcomes, pending };
    });
    await this.ingestQueue.enqueueSafely(pending);
    await this.limits.apply(refusals);
    return outcomes;
  }
}
