import {
  type CompletedProbe,
  type HostProbeRecord,
  nextHostProbeRecord,
  type ProbeEvidence,
  probeVerdict,
} from './probe-rules';

describe('probeVerdict', () => {
  const t = (outcome: string, port = 8080) => ({ port, outcome });
  it.each([
    [
      'a callback, even with errors',
      { findings: 1, targets: [t('partial')], errors: ['x'] },
      'exploitable',
    ],
    [
      'every listener probed, no callback',
      { findings: 0, targets: [t('probed'), t('not-http', 9999)], errors: [] },
      'no-callback',
    ],
    ['no listener at all', { findings: 0, targets: [], errors: [] }, 'inconclusive'],
    [
      'only non-HTTP listeners',
      { findings: 0, targets: [t('not-http')], errors: [] },
      'inconclusive',
    ],
    [
      'a listener partly probed',
      { findings: 0, targets: [t('probed'), t('partial', 8443)], errors: [] },
      'inconclusive',
    ],
    [
      'a listener unreachable',
      { findings: 0, targets: [t('unreachable')], errors: [] },
      'inconclusive',
    ],
    [
      'a port asked for that no JVM listens on',
      { findings: 0, targets: [t('probed')], errors: ['port 1: ...'] },
      'inconclusive',
    ],
  ])('%s', (_name, outcome, verdict) => {
    expect(probeVerdict(outcome)).toBe(verdict);
  });
});

describe('nextHostProbeRecord', () => {
  const ev = (port: number, field = 'X-Api-Version'): ProbeEvidence => ({
    address: '127.0.0.1',
    port,
    location: 'header',
    field,
    form: 'plain',
    protocol: 'ldap',
    pid: 42,
    comm: 'java',
  });
  const probe = (over: Partial<CompletedProbe>): CompletedProbe => ({
    commandId: 'c2',
    commandCreatedAt: '2026-12-07T02:00:00.000Z',
    verdict: 'no-callback',
    evidence: [],
    probedPorts: [8080],
    completedAt: '2026-12-07T02:01:00.000Z',
    ...over,
  });
  const exploitable: HostProbeRecord = {
    exploitable: true,
    lastVerdict: 'exploitable',
    lastCommandId: 'c1',
    lastCommandCreatedAt: '2026-12-07T01:00:00.000Z',
    exploitableCommandId: 'c1',
    exploitableSince: '2026-12-07T01:01:00.000Z',
    evidence: [ev(8080)],
    confirmedCleanCommandId: null,
    confirmedCleanAt: null,
  };

  it('a callback marks a host exploitable with its evidence, one entry per field and form', () => {
    const next = nextHostProbeRecord(
      null,
      probe({ verdict: 'exploitable', evidence: [ev(8080), ev(8080), ev(8081, 'Referer')] }),
    );
    expect(next).toMatchObject({
      exploitable: true,
      exploitableCommandId: 'c2',
      exploitableSince: '2026-12-07T02:01:00.000Z',
    });
    expect(next?.evidence.map((e) => `${e.port} ${e.field}`)).toEqual([
      '8080 X-Api-Version',
      '8081 Referer',
    ]);
  });

  it('a later callback keeps the first time the host was shown exploitable', () => {
    const next = nextHostProbeRecord(
      exploitable,
      probe({ verdict: 'exploitable', evidence: [ev(8080)] }),
    );
    expect(next?.exploitableSince).toBe(exploitable.exploitableSince);
  });

  it('no callback on every evidence port clears it and is the confirmation', () => {
    expect(nextHostProbeRecord(exploitable, probe({ probedPorts: [8080, 9090] }))).toMatchObject({
      exploitable: false,
      evidence: [],
      confirmedCleanCommandId: 'c2',
      lastVerdict: 'no-callback',
    });
  });

  it('no callback on other ports leaves the host exploitable', () => {
    expect(nextHostProbeRecord(exploitable, probe({ probedPorts: [9090] }))).toMatchObject({
      exploitable: true,
      evidence: [ev(8080)],
      lastVerdict: 'no-callback',
    });
  });

  it('an inconclusive probe changes nothing but the last probe', () => {
    expect(
      nextHostProbeRecord(exploitable, probe({ verdict: 'inconclusive', probedPorts: [] })),
    ).toEqual({
      ...exploitable,
      lastVerdict: 'inconclusive',
      lastCommandId: 'c2',
      lastCommandCreatedAt: '2026-12-07T02:00:00.000Z',
    });
  });

  it('an older probe finishing after a newer one changes nothing', () => {
    expect(
      nextHostProbeRecord(exploitable, probe({ commandCreatedAt: '2026-12-07T00:00:00.000Z' })),
    ).toBeNull();
  });
});
