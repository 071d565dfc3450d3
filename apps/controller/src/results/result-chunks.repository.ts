import { Injectable } from '@nestjs/common';
import { In, IsNull, Not, Repository } from 'typeorm';
import { placeholders, rawQuery, selectByIds, updateFromValues } from '../database/raw-query';
import { tableRows } from '../database/table-rows';
import { TransactionService } from '../database/transaction.service';
import { ResultChunkEntity } from './result-chunk.entity';

/** Which chunk a results.ingest job stores (no payload and no secret in the job: the row holds the bytes). */
export interface ChunkKey {
  agentId: string;
  commandId: string;
  sequence: number;
}

/** A stored chunk without its payload; `ingested` also when its payload is gone. */
export interface StoredChunk extends ChunkKey {
  id: string;
  totalChunks: number;
  ingested: boolean;
  failed: boolean;
}

/** A chunk as an upload stores it (not ingested, not set aside). */
export interface NewChunk extends ChunkKey {
  id: string;
  totalChunks: number;
  findingsCount: number;
  errorsCount: number;
  receivedAt: string;
  /** The chunk as stored: protobuf, base64. */
  payload: string;
}

/** A chunk as GET /commands/:id/results lists it (no payload). */
export type ListedChunk = Pick<
  ResultChunkEntity,
  | 'agentId'
  | 'sequence'
  | 'totalChunks'
  | 'findingsCount'
  | 'errorsCount'
  | 'receivedAt'
  | 'ingestedAt'
  | 'failedAt'
  | 'failure'
>;

/** What one command's results take: chunks, and characters of their stored payloads (base64). */
export interface StoredUsage {
  chunks: number;
  chars: number;
}

/** The columns an upload writes, and each one's value: the one place for both. */
const CHUNK_COLUMNS = tableRows<NewChunk>('result_chunks', [
  ['id', (c) => c.id],
  ['agent_id', (c) => c.agentId],
  ['command_id', (c) => c.commandId],
  ['sequence', (c) => c.sequence],
  ['total_chunks', (c) => c.totalChunks],
  ['findings_count', (c) => c.findingsCount],
  ['errors_count', (c) => c.errorsCount],
  ['received_at', (c) => c.receivedAt],
  ['payload', (c) => c.payload],
  ['ingested_at', () => null],
]);

/**
 * The result_chunks table: every statement on it (uploads, their limits, ingestion, the sweep,
 * the results API, payload retention), the hot ones set-based (one statement per batch, never one
 * per chunk). Runs in the caller's unit of work (the ambient transaction of TransactionService),
 * or on its own outside one.
 */
@Injectable()
export class ResultChunksRepository {
  constructor(private readonly tx: TransactionService) {}

  private get entities(): Repository<ResultChunkEntity> {
    return this.tx.manager.getRepository(ResultChunkEntity);
  }

  /** Every chunk row of these commands (no payloads), by command. */
  async storedOf(commandIds: readonly string[]): Promise<Map<string, StoredChunk[]>> {
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
      this.tx.manager,
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

  /** New chunks in a few multi-row INSERTs. */
  insertMany(chunks: readonly NewChunk[]): Promise<void> {
    return CHUNK_COLUMNS.insert(this.tx.manager, chunks);
  }

  /** The stored bytes of these chunks, by id. */
  async payloads(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = await selectByIds<{ id: string; payload: string }>(
      this.tx.manager,
      'result_chunks',
      'id, payload',
      ids,
      false,
    );
    return new Map(rows.map((p) => [p.id, p.payload]));
  }

  /** Marks chunks not ingested yet as ingested; returns how many it marked. */
  async markIngested(ids: readonly string[], at: string): Promise<number> {
    const marked = await rawQuery(
      this.tx.manager,
      `UPDATE result_chunks SET ingested_at = $1
       WHERE ingested_at IS NULL AND id IN (${placeholders(ids.length, 2)})`,
      [at, ...ids],
    );
    return marked.affected;
  }

  /** Sets chunks not ingested aside (failed_at and the reason). */
  async setAside(chunks: ReadonlyArray<{ id: string; error: string }>, at: string): Promise<void> {
    await updateFromValues(
      this.tx.manager,
      {
        table: 'result_chunks',
        set: 'failed_at = $1, failure = v.column2',
        where: 'result_chunks.id = v.column1 AND result_chunks.ingested_at IS NULL',
      },
      [at],
      chunks.map((c) => [c.id, c.error]),
    );
  }

  /**
   * Chunks and payload characters stored per command (one grouped statement). octet_length, not
   * length: both databases read it from the row's header (PostgreSQL from the TOAST pointer)
   * instead of reading and counting megabytes of payload.
   */
  async usageByCommand(commandIds: readonly string[]): Promise<Map<string, StoredUsage>> {
    const { rows } = await rawQuery<{
      command_id: string;
      chunks: number | string;
      chars: number | string | null;
    }>(
      this.tx.manager,
      `SELECT command_id, COUNT(*) AS chunks, SUM(octet_length(payload)) AS chars
       FROM result_chunks WHERE command_id IN (${placeholders(commandIds.length)})
       GROUP BY command_id`,
      commandIds,
    );
    return new Map(
      rows.map((r) => [r.command_id, { chunks: Number(r.chunks), chars: Number(r.chars ?? 0) }]),
    );
  }

  /** Payload characters each agent uploaded since `since` (one grouped statement). */
  async charsByAgentSince(
    agentIds: readonly string[],
    since: string,
  ): Promise<Map<string, number>> {
    const { rows } = await rawQuery<{ agent_id: string; chars: number | string | null }>(
      this.tx.manager,
      `SELECT agent_id, SUM(octet_length(payload)) AS chars FROM result_chunks
       WHERE agent_id IN (${placeholders(agentIds.length, 2)}) AND received_at > $1
       GROUP BY agent_id`,
      [since, ...agentIds],
    );
    return new Map(rows.map((r) => [r.agent_id, Number(r.chars ?? 0)]));
  }

  /** Chunks received and neither ingested nor set aside, oldest first (the sweep). */
  async pendingKeys(limit: number): Promise<ChunkKey[]> {
    const rows = await this.entities
      .createQueryBuilder('c')
      .select(['c.agentId', 'c.commandId', 'c.sequence'])
      .where('c.ingested_at IS NULL')
      .andWhere('c.failed_at IS NULL')
      .orderBy('c.received_at', 'ASC')
      .take(limit)
      .getMany();
    return rows.map(({ agentId, commandId, sequence }) => ({ agentId, commandId, sequence }));
  }

  /** A command's chunks as the results API lists them, by sequence. */
  listOf(commandId: string): Promise<ListedChunk[]> {
    return this.entities.find({
      where: { commandId },
      select: {
        agentId: true,
        sequence: true,
        totalChunks: true,
        findingsCount: true,
        errorsCount: true,
        receivedAt: true,
        ingestedAt: true,
        failedAt: true,
        failure: true,
      },
      order: { sequence: 'ASC', receivedAt: 'ASC' },
    });
  }

  /** A command's chunks set aside and not ingested. */
  async setAsideOf(commandId: string): Promise<Array<ChunkKey & { id: string }>> {
    const rows = await this.entities.find({
      where: { commandId, failedAt: Not(IsNull()), ingestedAt: IsNull() },
      select: { id: true, agentId: true, commandId: true, sequence: true },
    });
    return rows.map(({ id, agentId, commandId, sequence }) => ({
      id,
      agentId,
      commandId,
      sequence,
    }));
  }

  /** Takes these chunks out of the set-aside ones (failed_at and the reason cleared). */
  async clearSetAside(ids: readonly string[]): Promise<void> {
    await this.entities.update({ id: In([...ids]) }, { failedAt: null, failure: null });
  }

  /** Ids of up to `limit` chunks ingested before `ingestedBefore` that still keep their payload. */
  async withPayloadIngestedBefore(ingestedBefore: string, limit: number): Promise<string[]> {
    // ix_result_chunks_payload_kept (partial, payload IS NOT NULL) keeps this from rereading pruned rows.
    const { rows } = await rawQuery<{ id: string }>(
      this.tx.manager,
      `SELECT id FROM result_chunks
       WHERE payload IS NOT NULL AND ingested_at IS NOT NULL AND ingested_at < $1
       LIMIT $2`,
      [ingestedBefore, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Drops the payloads of these chunks (their rows stay). */
  async dropPayloads(ids: readonly string[]): Promise<void> {
    await rawQuery(
      this.tx.manager,
      `UPDATE result_chunks SET payload = NULL WHERE id IN (${placeholders(ids.length)})`,
      ids,
    );
  }
}
