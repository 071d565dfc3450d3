import { Injectable } from '@nestjs/common';
import { bulkInsert } from '../database/bulk-insert';
import { placeholders, rawQuery, selectByIds, updateFromValues } from '../database/raw-query';
import { TransactionService } from '../database/transaction.service';

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

/** The columns an upload writes, and each one's value: the one place for both. */
const CHUNK_COLUMNS: ReadonlyArray<readonly [string, (chunk: NewChunk) => unknown]> = [
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
];

/**
 * The result_chunks table as uploads and ingestion use it: every statement of theirs, set-based
 * (one statement per batch, never one per chunk). Runs in the caller's unit of work (the ambient
 * transaction of TransactionService), or on its own outside one.
 */
@Injectable()
export class ResultChunksRepository {
  constructor(private readonly tx: TransactionService) {}

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
    return bulkInsert(
      this.tx.manager,
      'result_chunks',
      CHUNK_COLUMNS.map(([column]) => column),
      chunks.map((chunk) => CHUNK_COLUMNS.map(([, value]) => value(chunk))),
    );
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
}
