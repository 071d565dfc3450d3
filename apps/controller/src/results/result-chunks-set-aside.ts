import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { CommandsService, ResultCommand } from '../commands/commands.service';
import { loggerFor } from '../common/logger';
import { TransactionService } from '../database/transaction.service';
import { ChunkKey, ResultChunksRepository, StoredChunk } from './result-chunks.repository';

/** `failed`: the chunk can never be ingested and is set aside (result_chunks.failed_at). */
export type IngestOutcome = 'ingested' | 'already-ingested' | 'missing' | 'failed';

/**
 * Chunks that can never be ingested (bytes that do not decode, values the database refuses,
 * results for a command the controller cancelled or expired) are set aside: failed_at and the reason on
 * the row, an audit event on the host, instead of failing their jobs again and again. Their
 * command's scan stays incomplete, so the host keeps its state: a scan missing a part must not
 * clear it. GET /commands/:id/results shows them; POST …/results/retry tries again.
 */
@Injectable()
export class ResultChunksSetAside {
  private readonly logger = loggerFor(ResultChunksSetAside.name);

  constructor(
    private readonly tx: TransactionService,
    private readonly chunks: ResultChunksRepository,
    private readonly commands: CommandsService,
    private readonly audit: AuditService,
  ) {}

  /** Sets chunks aside in the caller's unit of work. */
  async setAside(
    unreadable: ReadonlyArray<{ chunk: StoredChunk; error: string }>,
    commands: Map<string, ResultCommand>,
  ): Promise<void> {
    await this.chunks.setAside(
      unreadable.map((u) => ({ id: u.chunk.id, error: u.error })),
      new Date().toISOString(),
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
    );
    for (const { chunk, error } of unreadable)
      this.logger.error(
        { commandId: chunk.commandId, sequence: chunk.sequence, agentId: chunk.agentId },
        error,
      );
  }

  /** Sets one stored chunk aside after its ingestion failed for good (its own transaction). */
  setAsideAlone(key: ChunkKey, error: string): Promise<IngestOutcome> {
    return this.tx.run(async () => {
      const commands = await this.commands.forResults([key.commandId]);
      const row = (await this.chunks.storedOf([key.commandId]))
        .get(key.commandId)
        ?.find((c) => c.agentId === key.agentId && c.sequence === key.sequence);
      if (!row) return 'missing';
      if (row.ingested) return 'already-ingested';
      if (!row.failed) await this.setAside([{ chunk: row, error }], commands);
      return 'failed';
    });
  }
}
