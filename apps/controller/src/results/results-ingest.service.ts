import { loggerFor } from '../common/logger';
import { Inject, Injectable } from '@nestjs/common';
import { UploadResultsRequest } from '@log4fleet/contracts';
import { CommandsService, ResultCommand, unknownCommand } from '../commands/commands.service';
import { MicroBatcher, Settled } from '../common/micro-batcher';
import { permanentDataError } from '../database/database-errors';
import { TransactionService } from '../database/transaction.service';
import { IngestQueue } from './ingest-queue.service';
import {
  AfterCommit,
  KIND_RESULT_HANDLERS,
  KindResultChunk,
  KindResultHandler,
  handlersByKind,
} from './kind-results';
import { decodeStored, resultsRefusal } from './result-chunk-checks';
import { ChunkKey, ResultChunksRepository, StoredChunk } from './result-chunks.repository';
import { IngestOutcome, ResultChunksSetAside } from './result-chunks-set-aside';

export type { ChunkKey } from './result-chunks.repository';
export type { IngestOutcome } from './result-chunks-set-aside';

/** Ingesting stored result chunks (the results.ingest job); uploads are ResultUploadsService's. */
@Injectable()
export class ResultsIngestService {
  private readonly logger = loggerFor(ResultsIngestService.name);
  /** Chunks ingested per transaction: as many as the queue runs at once (QueueSettings.batchSize). */
  private readonly batcher: MicroBatcher<ChunkKey, IngestOutcome>;
  /** Each kind's result handling (results.module.ts registers them). */
  private readonly handlers: ReadonlyMap<string, KindResultHandler>;

  constructor(
    private readonly tx: TransactionService,
    private readonly chunks: ResultChunksRepository,
    private readonly setAside: ResultChunksSetAside,
    private readonly commands: CommandsService,
    ingestQueue: IngestQueue,
    @Inject(KIND_RESULT_HANDLERS) handlers: readonly KindResultHandler[],
  ) {
    this.handlers = handlersByKind(handlers);
    this.batcher = new MicroBatcher((keys) => this.ingestBatch(keys), ingestQueue.batchSize);
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
      return this.setAside.setAsideAlone(
        key,
        `result chunk ${key.commandId}/${key.sequence} of agent ${key.agentId} cannot be stored (${reason}); it is set aside, not ingested`,
      );
    }
  }

  /** One transaction for the batch; then the handlers' after-commit work, one after the other. */
  private async ingestBatch(keys: ChunkKey[]): Promise<Array<Settled<IngestOutcome>>> {
    const after: Array<() => Promise<void>> = [];
    const outcomes = await this.ingestBatchInTransaction(keys, (work) => after.push(work));
    for (const work of after) {
      try {
        await work();
      } catch (error) {
        this.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'after-commit work of an ingestion failed',
        );
      }
    }
    return outcomes;
  }

  private ingestBatchInTransaction(
    keys: ChunkKey[],
    afterCommit: AfterCommit,
  ): Promise<Array<Settled<IngestOutcome>>> {
    return this.tx.run(async () => {
      const outcomes: Array<Settled<IngestOutcome> | undefined> = keys.map(() => undefined);
      const commands = await this.commands.forResults(keys.map((k) => k.commandId));
      const stored = await this.chunks.storedOf([...commands.keys()]);
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
      if (lateChunks.length > 0) await this.setAside.setAside(lateChunks, commands);
      if (todo.length > 0) {
        const ingested = await this.ingestChunks(
          todo.map((t) => t.row),
          commands,
          stored,
          afterCommit,
        );
        for (const t of todo) outcomes[t.index] = { ok: true, value: ingested.get(t.row.id)! };
      }
      return outcomes.map((o) => o!);
    });
  }

  private async ingestChunks(
    chunks: StoredChunk[],
    commands: Map<string, ResultCommand>,
    stored: Map<string, StoredChunk[]>,
    afterCommit: AfterCommit,
  ): Promise<Map<string, IngestOutcome>> {
    const payloadOf = await this.chunks.payloads(chunks.map((c) => c.id));
    const decoded = new Map<string, UploadResultsRequest>();
    const unreadable: Array<{ chunk: StoredChunk; error: string }> = [];
    for (const c of chunks) {
      const kind = commands.get(c.commandId)!.kind;
      if (!this.handlers.has(kind)) {
        // Stored by a controller that knew the kind (a rolling upgrade, a downgrade): kept, not lost.
        unreadable.push({
          chunk: c,
          error: `result chunk ${c.commandId}/${c.sequence} of agent ${c.agentId} answers a ${kind} command, whose results this controller cannot handle; it is set aside, not ingested`,
        });
        continue;
      }
      try {
        decoded.set(c.id, decodeStored(c, payloadOf.get(c.id)!));
      } catch (error) {
        unreadable.push({ chunk: c, error: (error as Error).message });
      }
    }
    if (unreadable.length > 0) await this.setAside.setAside(unreadable, commands);
    const outcomes = new Map<string, IngestOutcome>(
      unreadable.map((u) => [u.chunk.id, 'failed' as const]),
    );
    chunks = chunks.filter((c) => decoded.has(c.id));
    if (chunks.length === 0) return outcomes;
    const ids = chunks.map((c) => c.id);
    const createdAt = new Date().toISOString();
    // Each kind's chunks to its handler, in the order kinds first appear (deterministic).
    const byKind = new Map<string, KindResultChunk[]>();
    for (const c of chunks) {
      const kind = commands.get(c.commandId)!.kind;
      const list = byKind.get(kind) ?? [];
      list.push({
        id: c.id,
        commandId: c.commandId,
        sequence: c.sequence,
        results: decoded.get(c.id)!,
      });
      byKind.set(kind, list);
    }
    for (const [kind, list] of byKind)
      await this.handlers.get(kind)!.ingest(list, commands, stored, createdAt, afterCommit);
    const marked = await this.chunks.markIngested(ids, createdAt);
    if (marked !== ids.length)
      throw new Error(
        `${ids.length - marked} of ${ids.length} result chunks were ingested concurrently`,
      );
    for (const id of ids) outcomes.set(id, 'ingested');
    return outcomes;
  }
}
