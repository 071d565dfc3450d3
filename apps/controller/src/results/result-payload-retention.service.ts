import { Injectable } from '@nestjs/common';
import { ResultChunksRepository } from './result-chunks.repository';

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
  constructor(private readonly chunks: ResultChunksRepository) {}

  /** Statement by statement, outside any unit of work (the retention job opens none). */
  async prune(ingestedBefore: Date): Promise<number> {
    let pruned = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const ids = await this.chunks.withPayloadIngestedBefore(ingestedBefore.toISOString(), PAGE);
      if (ids.length === 0) break;
      await this.chunks.dropPayloads(ids);
      pruned += ids.length;
      if (ids.length < PAGE) break;
    }
    return pruned;
  }
}
