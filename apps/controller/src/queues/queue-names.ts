/**
 * Every BullMQ queue and job name of the controller, in one place. The job registry checks at
 * start that each name here has exactly one handler and that no handler serves a name not here.
 */
export const QueueName = {
  /** One parent job per campaign (or campaign phase): completes when every host's job ran. */
  Campaigns: 'campaigns',
  /** One child job per targeted host: persists the host's command and pushes it. */
  CampaignHosts: 'campaign-hosts',
  /** Per-campaign fan-out, monitor (canary gate, failure threshold, completion) and expiry. */
  CampaignMaintenance: 'campaign-maintenance',
  /** Jobs produced by the job schedulers of scheduled rescans. */
  Schedules: 'schedules',
  /** One job per uploaded result chunk: its findings become rows, the last one completes the scan. */
  ResultsIngest: 'results-ingest',
  /**
   * The sweep that re-enqueues chunks received but never ingested (a job lost with Redis), and
   * the retention job that prunes old inventory snapshots and result payloads.
   */
  ResultsMaintenance: 'results-maintenance',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  CampaignFanout: 'campaign.fanout',
  CampaignDispatched: 'campaign.dispatched',
  CampaignDispatchHost: 'campaign.dispatch-host',
  CampaignMonitor: 'campaign.monitor',
  CampaignExpire: 'campaign.expire',
  VerificationRescan: 'verification.rescan',
  ScheduleRun: 'schedule.run',
  ResultsIngest: 'results.ingest',
  ResultsSweep: 'results.sweep',
  RetentionPrune: 'retention.prune',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** Which queue each job travels on. */
export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.CampaignFanout]: QueueName.CampaignMaintenance,
  [JobName.CampaignDispatched]: QueueName.Campaigns,
  [JobName.CampaignDispatchHost]: QueueName.CampaignHosts,
  [JobName.CampaignMonitor]: QueueName.CampaignMaintenance,
  [JobName.CampaignExpire]: QueueName.CampaignMaintenance,
  [JobName.VerificationRescan]: QueueName.CampaignMaintenance,
  [JobName.ScheduleRun]: QueueName.Schedules,
  [JobName.ResultsIngest]: QueueName.ResultsIngest,
  [JobName.ResultsSweep]: QueueName.ResultsMaintenance,
  [JobName.RetentionPrune]: QueueName.ResultsMaintenance,
};

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);
export const ALL_JOBS: readonly JobName[] = Object.values(JobName);

/** BullMQ job ids may not contain ':' (it separates Redis key parts); ids are joined with '-'. */
export function jobId(...parts: Array<string | number>): string {
  return parts.map((p) => String(p).replace(/:/g, '_')).join('-');
}
