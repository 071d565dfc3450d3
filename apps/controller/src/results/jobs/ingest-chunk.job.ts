import { Injectable } from '@nestjs/common';
import { HandlesJob, JobHandler } from '../../queues/job-handler';
import { JobName } from '../../queues/queue-names';
import { ChunkKey, ResultsIngestService } from '../results-ingest.service';

/** Which stored chunk to ingest; the bytes stay in result_chunks. */
export type IngestChunkJobData = ChunkKey;

/** Turns one stored result chunk into findings and errors (idempotent: a retry stores nothing twice). */
@Injectable()
@HandlesJob(JobName.ResultsIngest)
export class IngestChunkJob implements JobHandler<IngestChunkJobData> {
  constructor(private readonly results: ResultsIngestService) {}

  async handle(data: IngestChunkJobData): Promise<void> {
    await this.results.ingest(data);
  }
}
