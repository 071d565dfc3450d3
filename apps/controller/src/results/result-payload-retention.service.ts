import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { placeholders, rawQuery } from '../database/raw-query';

/** Chunks handled per statement, and statements per run at most (the next run goes on). */
const PAGE = 500;
const MAX_PAGES = 200;

/**
 * Drops the raw bytes of result chunks ingested before a date. Their rows stay (GET
 * /commands/:id/results lists each chunk with its counts and times; ingestion and the sweep treat
 * a chunk without payload as ingested), their findings and errors are rows of their own.
 */
@Injectable()
export class ResultPayloadRetention {
  constructor(private readonly dataSource: DataSource) {}

  async prune(ingestedBefore: Date): Promise<number> {
    const manager = this.dataSource.manager;
    let pruned = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      // ix_result_chunks_payload_kept (partial, payload IS NOT NULL) keeps this from rereading pruned rows.
      const { rows } = await rawQuery<{ id: string }>(
        manager,
        `SELECT id FROM result_chunks
         WHERE payload IS NOT NULL AND ingested_at IS NOT NULL AND ingested_at < $1
         LIMIT $2`,
        [ingestedBefore.toISOString(), PAGE],
      );
      if (rows.length === 0) break;
      await rawQuery(
        manager,
        `UPDATE result_chunks SET payload = NULL WHERE id IN (${placeholders(rows.length)})`,
        rows.map((r) => r.id),
      );
      pruned += rows.length;
      if (rows.length < PAGE) break;
    }
    return pruned;
  }
}
