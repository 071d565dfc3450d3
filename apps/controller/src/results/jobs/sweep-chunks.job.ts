import { Injectable } from '@nestjs/common';
import { HandlesJob, JobHandler } from '../../queues/job-handler';
import { JobName } from '../../queues/queue-names';
import { IngestQueue } from '../ingest-queue.service';

/** No payload: the sweep reads the pending chunks from the database. */
export type SweepChunksJobData = Record<string, never>;

/** Repeatable (every 30 s, and once at start): re-enqueues chunks whose ingest job Redis lost. */
@Injectable()
@HandlesJob(JobName.ResultsSweep)
export class SweepChunksJob implements JobHandler<SweepChunksJobData> {
  constructor(private readonly ingestQueue: IngestQueue) {}

  async handle(): Promise<void> {
    await this.ingestQueue.sweep();
  }
}
