import { Injectable } from '@nestjs/common';
import { HandlesJob, JobHandler } from '../../queues/job-handler';
import { JobName } from '../../queues/queue-names';
import { CampaignLifecycle } from '../campaign-lifecycle.service';

export interface CampaignDispatchedJobData {
  campaignId: string;
  phase: 'canary' | 'main';
}

/** Parent of a phase's host jobs: runs once all of them ran, and checks the campaign at once. */
@Injectable()
@HandlesJob(JobName.CampaignDispatched)
export class CampaignDispatchedJob implements JobHandler<CampaignDispatchedJobData> {
  constructor(private readonly lifecycle: CampaignLifecycle) {}

  handle(data: CampaignDispatchedJobData): Promise<void> {
    return this.lifecycle.monitor(data.campaignId);
  }
}
