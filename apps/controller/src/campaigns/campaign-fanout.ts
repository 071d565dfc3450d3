import { createHash } from 'node:crypto';
import type { FlowJob } from 'bullmq';
import { JobName, jobId, QueueName } from '../queues/queue-names';
import type { DispatchHostJobData } from './jobs/dispatch-host.job';
import type { CampaignDispatchedJobData } from './jobs/campaign-dispatched.job';

/**
 * Spreads a host's start over a window by a hash of (host, run): the same host lands at a
 * different second each run, and hosts that came back together after an outage are not
 * re-synchronised by the next run.
 */
export function jitterDelayMs(hostId: string, runKey: string, windowS: number): number {
  if (windowS <= 0) return 0;
  const digest = createHash('sha256').update(`${hostId}\u0000${runKey}`).digest();
  return digest.readUIntBE(0, 6) % (windowS * 1000);
}

/** Paced starts: the n-th host of a phase starts n / pace seconds after the first. */
export function paceDelayMs(index: number, pacePerSecond: number | null): number {
  return pacePerSecond ? Math.floor((index * 1000) / pacePerSecond) : 0;
}

export interface FanoutPlan {
  campaignId: string;
  phase: 'canary' | 'main';
  attempt: number;
  hostIds: string[];
  pacePerSecond: number | null;
  jitter: { runKey: string; windowS: number } | null;
}

/**
 * Hosts per flow. Measured: FlowProducer.add of one parent with 10,000 children blocks the event
 * loop ~0.7 s (it builds every job in one tick); batches of 500 keep each add near 35 ms.
 */
export const FLOW_BATCH = 500;

/**
 * A parent job per campaign phase (per batch of FLOW_BATCH hosts) and one child per host, with
 * deterministic ids: adding the same phase twice (a retried request, a monitor that raced) adds
 * nothing. The parent runs once all its hosts' jobs ran.
 */
export function dispatchFlows(plan: FanoutPlan): FlowJob[] {
  const flows: FlowJob[] = [];
  for (let start = 0; start < plan.hostIds.length; start += FLOW_BATCH)
    flows.push(dispatchBatch(plan, start));
  return flows;
}

function dispatchBatch(plan: FanoutPlan, start: number): FlowJob {
  const suffix = plan.attempt > 0 ? [`r${plan.attempt}`] : [];
  const batch = start === 0 ? [] : [`b${start / FLOW_BATCH}`];
  const parentData: CampaignDispatchedJobData = { campaignId: plan.campaignId, phase: plan.phase };
  return {
    name: JobName.CampaignDispatched,
    queueName: QueueName.Campaigns,
    data: parentData,
    opts: {
      jobId: jobId('campaign', plan.campaignId, plan.phase, ...batch, ...suffix),
      removeOnComplete: { age: 24 * 3600 },
    },
    children: plan.hostIds.slice(start, start + FLOW_BATCH).map((hostId, offset) => {
      const index = start + offset;
      const data: DispatchHostJobData = { campaignId: plan.campaignId, hostId };
      const delay = plan.jitter
        ? jitterDelayMs(hostId, plan.jitter.runKey, plan.jitter.windowS)
        : paceDelayMs(index, plan.pacePerSecond);
      return {
        name: JobName.CampaignDispatchHost,
        queueName: QueueName.CampaignHosts,
        data,
        opts: {
          jobId: jobId('campaign', plan.campaignId, hostId, ...suffix),
          delay,
          attempts: 8,
          backoff: { type: 'exponential', delay: 500 },
          // A host whose job gave up is visible in coverage (still queued); it must not block the phase.
          ignoreDependencyOnFailure: true,
          removeOnComplete: { age: 24 * 3600 },
        },
      };
    }),
  };
}
