import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { HandlesJob, JobHandler } from '../../queues/job-handler';
import { JobName } from '../../queues/queue-names';
import { CampaignRunner } from '../campaign-runner.service';

/** Payload: ids only (no secrets, nothing that goes stale). */
export interface DispatchHostJobData {
  campaignId: string;
  hostId: string;
}

/** Persists the host's command through the core's CommandsService and pushes it (once, even when retried). */
@Injectable()
@HandlesJob(JobName.CampaignDispatchHost)
export class DispatchHostJob implements JobHandler<DispatchHostJobData> {
  constructor(private readonly runner: CampaignRunner) {}

  handle(data: DispatchHostJobData, job: Job<DispatchHostJobData>): Promise<void> {
    return this.runner.dispatchHost(
      data.campaignId,
      data.hostId,
      job.id ?? `${data.campaignId}/${data.hostId}`,
    );
  }
}
