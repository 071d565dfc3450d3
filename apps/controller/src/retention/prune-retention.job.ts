import { Injectable } from '@nestjs/common';
import { HandlesJob, JobHandler } from '../queues/job-handler';
import { JobName } from '../queues/queue-names';
import { RetentionService } from './retention.service';

/** No payload: what to prune follows from the settings and the clock. */
export type PruneRetentionJobData = Record<string, never>;

/** Repeatable (RETENTION_EVERY_S): prunes old inventory snapshots and result chunk payloads. */
@Injectable()
@HandlesJob(JobName.RetentionPrune)
export class PruneRetentionJob implements JobHandler<PruneRetentionJobData> {
  constructor(private readonly retention: RetentionService) {}

  async handle(): Promise<void> {
    await this.retention.prune();
  }
}
