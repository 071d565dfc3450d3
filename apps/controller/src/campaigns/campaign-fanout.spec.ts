import { randomUUID } from 'node:crypto';
import { JobName } from '../queues/queue-names';
import { dispatchFlows, FLOW_BATCH, jitterDelayMs, paceDelayMs } from './campaign-fanout';

describe('campaign fan-out', () => {
  const hosts = Array.from({ length: 2000 }, () => randomUUID());

  it('spreads hosts over the jitter window, the same way each time for the same run', () => {
    const delays = hosts.map((h) => jitterDelayMs(h, 'run-1', 600));
    expect(delays.every((d) => d >= 0 && d < 600_000)).toBe(true);
    expect(hosts.map((h) => jitterDelayMs(h, 'run-1', 600))).toEqual(delays);
    // 2000 hosts over 600 one-second slots: no second holds more than a handful.
    const perSecond = new Map<number, number>();
    for (const d of delays)
      perSecond.set(Math.floor(d / 1000), (perSecond.get(Math.floor(d / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan(15);
  });

  it('moves each host to another second on the next run (no re-synchronisation after an outage)', () => {
    const moved = hosts.filter(
      (h) =>
        Math.floor(jitterDelayMs(h, 'run-1', 600) / 1000) !==
        Math.floor(jitterDelayMs(h, 'run-2', 600) / 1000),
    );
    expect(moved.length).toBeGreaterThan(hosts.length * 0.95);
  });

  it('paces starts at the requested hosts per second', () => {
    expect([0, 1, 9, 10, 25].map((i) => paceDelayMs(i, 10))).toEqual([0, 100, 900, 1000, 2500]);
    expect(paceDelayMs(500, null)).toBe(0);
  });

  it('builds one parent and one child per host with deterministic ids', () => {
    const [flow] = dispatchFlows({
      campaignId: 'c1',
      phase: 'main',
      attempt: 0,
      hostIds: ['h1', 'h2'],
      pacePerSecond: 1,
      jitter: null,
    });
    expect(flow.name).toBe(JobName.CampaignDispatched);
    expect(flow.opts?.jobId).toBe('campaign-c1-main');
    expect(flow.children?.map((c) => [c.opts?.jobId, c.opts?.delay])).toEqual([
      ['campaign-c1-h1', 0],
      ['campaign-c1-h2', 1000],
    ]);
    const [resumed] = dispatchFlows({
      campaignId: 'c1',
      phase: 'main',
      attempt: 2,
      hostIds: ['h1'],
      pacePerSecond: null,
      jitter: null,
    });
    expect(resumed.children?.[0].opts?.jobId).toBe('campaign-c1-h1-r2');
  });

  it('splits a large fleet into batches that keep the global pace', () => {
    const hostIds = Array.from({ length: FLOW_BATCH * 2 + 1 }, (_, i) => `h${i}`);
    const flows = dispatchFlows({
      campaignId: 'c1',
      phase: 'main',
      attempt: 0,
      hostIds,
      pacePerSecond: 100,
      jitter: null,
    });
    expect(flows.map((f) => [f.opts?.jobId, f.children?.length])).toEqual([
      ['campaign-c1-main', FLOW_BATCH],
      ['campaign-c1-main-b1', FLOW_BATCH],
      ['campaign-c1-main-b2', 1],
    ]);
    expect(flows[2].children?.[0].opts?.delay).toBe(FLOW_BATCH * 2 * 10);
  });
});
