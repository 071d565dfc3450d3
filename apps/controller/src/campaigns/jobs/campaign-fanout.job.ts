import { Injectable } from '@nestjs/common';
import { HandlesJob, JobHandler } from '../../queues/job-handler';
import { JobName } from '../../queues/queue-names';
import { CampaignRunner } from '../campaign-runner.service';

export interface CampaignFanoutJobData {
  campaignId: string;
}

/**
 * Adds the host jobs of a new or resumed campaign (BullMQ flows): the request that created it
 * returns once its rows are stored, not after 10,000 jobs were added.
 */
@Injectable()
@HandlesJob(JobName.CampaignFanout)
export class CampaignFanoutJob implements JobHandler<CampaignFanoutJobData> {
  constructor(private readonly runner: CampaignRunner) {}

  handle(data: CampaignFanoutJobData): Promise<void> {
    return this.runner.fanout(data.campaignId);
  }
}
