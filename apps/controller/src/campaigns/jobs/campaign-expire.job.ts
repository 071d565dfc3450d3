import { Injectable } from '@nestjs/common';
import { HandlesJob, JobHandler } from '../../queues/job-handler';
import { JobName } from '../../queues/queue-names';
import { CampaignLifecycle } from '../campaign-lifecycle.service';

export interface CampaignExpireJobData {
  campaignId: string;
}

/** Delayed to the campaign's expiresAt: commands never started become expired. */
@Injectable()
@HandlesJob(JobName.CampaignExpire)
export class CampaignExpireJob implements JobHandler<CampaignExpireJobData> {
  constructor(private readonly lifecycle: CampaignLifecycle) {}

  handle(data: CampaignExpireJobData): Promise<void> {
    return this.lifecycle.expire(data.campaignId);
  }
}
