import { computeCoverage, isSettled, summarizeFindings } from './campaign-coverage';

describe('campaign coverage', () => {
  it('puts each host in one bucket from its command state, expiry and connectivity', () => {
    const c = computeCoverage(
      [
        { targetState: 'pending', commandState: null, overdue: false, count: 2 },
        { targetState: 'dispatched', commandState: 'queued', overdue: false, count: 5 },
        { targetState: 'dispatched', commandState: 'queued', overdue: true, count: 1 },
        { targetState: 'dispatched', commandState: 'delivered', overdue: false, count: 3 },
        { targetState: 'dispatched', commandState: 'started', overdue: false, count: 4 },
        { targetState: 'dispatched', commandState: 'succeeded', overdue: true, count: 6 },
        { targetState: 'dispatched', commandState: 'verified', overdue: false, count: 1 },
        { targetState: 'dispatched', commandState: 'failed', overdue: false, count: 2 },
        { targetState: 'dispatched', commandState: 'cancelled', overdue: false, count: 1 },
        { targetState: 'skipped', commandState: null, overdue: false, count: 1 },
        { targetState: 'cancelled', commandState: null, overdue: false, count: 1 },
      ],
      { queued: 4, delivered: 1 },
    );
    expect(c).toEqual({
      targets: 27,
      queued: 3,
      delivered: 2,
      offline: 5,
      running: 4,
      succeeded: 7,
      failed: 2,
      expired: 1,
      cancelled: 2,
      skipped: 1,
      percentSucceeded: 25.9,
    });
    expect(isSettled(c)).toBe(false);
    expect(isSettled({ ...c, queued: 0, delivered: 0, offline: 0, running: 0 })).toBe(true);
  });

  it('counts hosts and findings per CVE', () => {
    const f = summarizeFindings(10, 2, [
      { hostId: 'a', cves: '["CVE-2021-44228","CVE-2021-45046"]', count: 2 },
      { hostId: 'a', cves: '["CVE-2021-44228"]', count: 1 },
      { hostId: 'b', cves: '["CVE-2021-44228"]', count: 1 },
    ]);
    expect(f).toEqual({
      hostsScanned: 10,
      hostsVulnerable: 2,
      hostsClean: 8,
      byCve: [
        { cve: 'CVE-2021-44228', hosts: 2, findings: 4 },
        { cve: 'CVE-2021-45046', hosts: 1, findings: 2 },
      ],
    });
  });
});
