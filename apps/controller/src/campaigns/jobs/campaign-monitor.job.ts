import { Injectable } from '@nestjs/common';
import { HandlesJob, JobHandler } from '../../queues/job-handler';
import { JobName } from '../../queues/queue-names';
import { CampaignLifecycle } from '../campaign-lifecycle.service';

export interface CampaignMonitorJobData {
  campaignId: string;
}

/** Repeated (job scheduler) while the campaign lives: canary gate, failure threshold, completion. */
@Injectable()
@HandlesJob(JobName.CampaignMonitor)
export class CampaignMonitorJob implements JobHandler<CampaignMonitorJobData> {
  constructor(private readonly lifecycle: CampaignLifecycle) {}

  handle(data: CampaignMonitorJobData): Promise<void> {
    return this.lifecycle.monitor(data.campaignId);
  }
}
