import type { ProbeResults } from '@log4fleet/contracts';
import { eventually, TestAgent } from './support/agent-client';
import { LOG4J_2_14, LOG4J_2_17, scanIngested, seedHost } from './support/seed';
import { startTestController, type TestController } from './support/test-controller';
import type { TestDatabase } from './support/test-storage';

// The probe kind's controller side over a real database: REST (roles, validation, targets that
// are not the host's own), campaigns, and the ingestion of probe results from a real gRPC
// upload into the host-level record (exploitable with evidence, confirmed clean, superseded)
// and into the host's status by its state rule (probe-callback, probe-clean).

interface HostProbes {
  state: {
    exploitable: boolean;
    lastVerdict: string;
    lastCommandId: string;
    exploitableCommandId: string | null;
    evidence: Array<{
      port: number;
      location: string;
      field: string;
      form: string;
      pid: number | null;
    }>;
    confirmedCleanCommandId: string | null;
  } | null;
  runs: Array<{
    commandId: string;
    verdict: string;
    findings: unknown[];
    errors: string[];
    requests: number;
  }>;
}

const target = (port: number, outcome = 'probed') => ({
  address: '127.0.0.1',
  port,
  processes: [{ pid: 4242, comm: 'java' }],
  outcome,
  scheme: 'http',
  requests: 15,
  tokens: 305,
  error: '',
});
const finding = (port: number, field: string) => ({
  token: `l4fcafebabex${field.length}`,
  address: '127.0.0.1',
  port,
  location: 'header',
  field,
  form: 'plain',
  protocol: 'ldap',
  at: '2026-12-07T02:00:00.000Z',
  process: { pid: 4242, comm: 'java' },
  message: `port ${port} looks up what users send: the header ${field} (plain form) made a JNDI LDAP callback`,
});
const part = (over: Partial<ProbeResults>): ProbeResults => ({
  targets: [],
  findings: [],
  unmatched: [],
  errors: [],
  startedAt: '',
  finishedAt: '',
  ldapPort: 0,
  dnsPort: 0,
  ...over,
});

describe.each<TestDatabase>(['sqlite', 'postgres'])('probe kind (%s)', (database) => {
  let c: TestController;
  let operator: string;
  let viewer: string;
  let agent: TestAgent;

  beforeAll(async () => {
    c = await startTestController({ database });
    operator = `Bearer ${await c.tokenFor('operator')}`;
    viewer = `Bearer ${await c.tokenFor('viewer')}`;
    agent = await seedHost(c); // reports the address 10.0.0.7
  });
  afterAll(async () => {
    agent?.close();
    await c?.close();
  });

  const post = (route: string, auth: string, body: object) =>
    c.http().post(`/api/v1${route}`).set('Authorization', auth).send(body);
  const probes = async (): Promise<HostProbes> =>
    (await c.http().get(`/api/v1/hosts/${agent.hostId}/probes`).set('Authorization', viewer))
      .body as HostProbes;
  const requestProbe = async (body: object): Promise<string> => {
    const res = await post(`/hosts/${agent.hostId}/probe`, operator, body);
    expect(res.status).toBe(201);
    return (res.body as { id: string }).id;
  };
  const upload = async (commandId: string, parts: ProbeResults[]) => {
    for (const [sequence, value] of parts.entries())
      await agent.upload({
        commandId,
        sequence,
        totalChunks: parts.length,
        findings: [],
        errors: [],
        kindResults: { kind: { $case: 'probe', value } },
      });
  };
  const verdictOf = async (commandId: string): Promise<HostProbes> => {
    for (let i = 0; i < 200; i++) {
      const p = await probes();
      if (p.runs.some((r) => r.commandId === commandId && r.verdict !== '')) return p;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`probe ${commandId} was not ingested`);
  };

  it('needs the operator role', async () => {
    expect((await post(`/hosts/${agent.hostId}/probe`, viewer, {})).status).toBe(403);
    expect((await c.http().post(`/api/v1/hosts/${agent.hostId}/probe`).send({})).status).toBe(401);
  });

  it.each([
    ['a port out of range', { targets: [{ port: 0 }] }, 'port must not be less than 1'],
    [
      'an address that is no IP',
      { targets: [{ address: 'evil.example', port: 80 }] },
      'address must be an ip address',
    ],
    ['too many requests', { maxRequests: 10_001 }, 'maxRequests'],
    [
      'an address of another host',
      { targets: [{ address: '10.9.9.9', port: 8080 }] },
      'probe targets 10.9.9.9:8080 are not addresses of host',
    ],
  ])('refuses %s (400), naming it', async (_what, body, named) => {
    const res = await post(`/hosts/${agent.hostId}/probe`, operator, body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(named);
  });

  it("takes loopback, the host's own reported address, or none; the audit names the targets", async () => {
    const id = await requestProbe({
      targets: [
        { address: '10.0.0.7', port: 8080 },
        { address: '::1', port: 8443 },
        { port: 9000 },
      ],
    });
    const command = (await c.http().get(`/api/v1/commands/${id}`).set('Authorization', viewer))
      .body as { kind: string };
    expect(command.kind).toBe('probe');
    const audit = await c
      .http()
      .get(`/api/v1/audit?hostId=${agent.hostId}&action=probe.requested`)
      .set('Authorization', viewer);
    expect(
      (audit.body as { items: Array<{ details: { targets: unknown[] } }> }).items[0].details
        .targets,
    ).toEqual([
      { address: '10.0.0.7', port: 8080 },
      { address: '::1', port: 8443 },
      { address: '', port: 9000 },
    ]);
  });

  it("a campaign may probe every host, but only on loopback or the listeners' own addresses", async () => {
    const foreign = await post('/campaigns', operator, {
      selector: { all: true },
      kind: 'probe',
      params: { targets: [{ address: '10.0.0.7', port: 8080 }] },
    });
    expect(foreign.status).toBe(400);
    expect(JSON.stringify(foreign.body)).toContain(
      'address must be loopback or empty in a campaign',
    );
    const ok = await post('/campaigns', operator, {
      selector: { all: true },
      kind: 'probe',
      params: { targets: [{ port: 8080 }], ratePerSecond: 5 },
    });
    expect(ok.status).toBe(202); // accepted: its commands are created by the campaign's job
    expect(ok.body).toMatchObject({ kind: 'probe' });
  });

  const hostNow = async () =>
    (
      (await c.http().get(`/api/v1/hosts/${agent.hostId}`).set('Authorization', viewer)).body as {
        host: { status: string; flagged: boolean; flagReason: string | null };
      }
    ).host;
  const statusChanges = async () =>
    (
      (
        await c
          .http()
          .get(`/api/v1/audit?hostId=${agent.hostId}&action=host.status_changed`)
          .set('Authorization', viewer)
      ).body as {
        items: Array<{ details: { from: string; to: string; event: string; commandId: string } }>;
      }
    ).items;

  it('a callback in the results marks the host exploitable with the evidence, its status too', async () => {
    expect((await hostNow()).status).not.toBe('exploitable');
    const id = await requestProbe({ targets: [{ port: 8080 }] });
    await upload(id, [
      part({
        startedAt: '2026-12-07T02:00:00Z',
        finishedAt: '2026-12-07T02:00:05Z',
        ldapPort: 40001,
        dnsPort: 40002,
        targets: [target(8080)],
      }),
      part({ findings: [finding(8080, 'X-Api-Version'), finding(8080, 'User-Agent')] }),
    ]);

    const after = await verdictOf(id);
    expect(after.runs[0]).toMatchObject({ commandId: id, verdict: 'exploitable', requests: 15 });
    expect(after.runs[0].findings).toHaveLength(2);
    expect(after.state).toMatchObject({
      exploitable: true,
      exploitableCommandId: id,
      lastVerdict: 'exploitable',
    });
    expect(after.state!.evidence.map((e) => e.field).sort()).toEqual([
      'User-Agent',
      'X-Api-Version',
    ]);
    const detail = (
      await c.http().get(`/api/v1/hosts/${agent.hostId}`).set('Authorization', viewer)
    ).body as {
      host: { status: string };
      probe: { exploitable: boolean };
    };
    expect(detail.probe.exploitable).toBe(true);
    expect(detail.host.status).toBe('exploitable');
    expect(await statusChanges()).toContainEqual(
      expect.objectContaining({
        details: expect.objectContaining({
          to: 'exploitable',
          event: 'probe-callback',
          commandId: id,
        }),
      }),
    );
  });

  it('a newer probe with no callback on that port confirms it clean; an older one finishing late changes nothing', async () => {
    const older = await requestProbe({ targets: [{ port: 8080 }] });
    const newer = await requestProbe({ targets: [{ port: 8080 }] });
    await upload(newer, [part({ targets: [target(8080)] })]);
    expect((await verdictOf(newer)).state).toMatchObject({
      exploitable: false,
      confirmedCleanCommandId: newer,
      evidence: [],
    });
    // No vulnerable finding and no remediation on record: clean, flagged (who fixed it?).
    expect(await hostNow()).toMatchObject({
      status: 'clean',
      flagged: true,
      flagReason: 'clean without a recorded remediation',
    });
    expect(await statusChanges()).toContainEqual(
      expect.objectContaining({
        details: expect.objectContaining({
          from: 'exploitable',
          to: 'clean',
          event: 'probe-clean',
          commandId: newer,
        }),
      }),
    );

    await upload(older, [part({ targets: [target(8080)], findings: [finding(8080, 'Referer')] })]);
    const after = await verdictOf(older);
    expect(after.state).toMatchObject({ exploitable: false, lastCommandId: newer });
    expect((await hostNow()).status).toBe('clean');
    const audit = await c
      .http()
      .get(`/api/v1/audit?hostId=${agent.hostId}&action=probe.completed`)
      .set('Authorization', viewer);
    const late = (
      audit.body as { items: Array<{ details: { commandId: string; superseded?: boolean } }> }
    ).items.find((e) => e.details.commandId === older);
    expect(late?.details.superseded).toBe(true);
  });

  it("refuses a probe command's chunk that carries no probe results", async () => {
    const id = await requestProbe({});
    await expect(
      agent.upload({
        commandId: id,
        sequence: 0,
        totalChunks: 1,
        findings: [],
        errors: [],
        summary: undefined,
      }),
    ).rejects.toThrow(/must be probe results, not none/);
  });

  it("after a remediation a probe with no callback is the second method's confirmation, beside the rescan's verdict", async () => {
    type Remediation = {
      commandId: string;
      verification: string;
      probeConfirmation: { result: string; commandId: string | null; at: string | null };
    };
    const remediations = async () =>
      (
        await c
          .http()
          .get(`/api/v1/hosts/${agent.hostId}/remediations`)
          .set('Authorization', viewer)
      ).body as Remediation[];
    const callback = await requestProbe({ targets: [{ port: 8080 }] });
    await upload(callback, [
      part({ targets: [target(8080)], findings: [finding(8080, 'X-Forwarded-For')] }),
    ]);
    await verdictOf(callback);
    expect((await hostNow()).status).toBe('exploitable');

    // A remediation does not clear what a running service showed: the host stays exploitable.
    const recorded = await post(`/hosts/${agent.hostId}/remediations`, operator, {
      method: 'upgraded',
      note: 'log4j-core 2.17.1 in the service',
    });
    expect(recorded.status).toBe(201);
    const remediationId = (recorded.body as { commandId: string }).commandId;
    expect((recorded.body as { hostStatus: string }).hostStatus).toBe('exploitable');
    expect((await remediations())[0]).toMatchObject({
      commandId: remediationId,
      verification: 'pending',
      probeConfirmation: { result: 'none', commandId: null, at: null },
    });

    const clean = await requestProbe({ targets: [{ port: 8080 }] });
    await upload(clean, [part({ targets: [target(8080)] })]);
    await verdictOf(clean);
    // The remediation awaits its rescan: remediated, not clean, and no flag raised.
    expect(await hostNow()).toMatchObject({ status: 'remediated' });
    const [shown] = await remediations();
    expect(shown).toMatchObject({
      commandId: remediationId,
      verification: 'pending',
      probeConfirmation: { result: 'no-callback', commandId: clean },
    });
    expect(Number.isNaN(Date.parse(shown.probeConfirmation.at!))).toBe(false);
  });

  it('a scan never clears exploitable; a clean probe puts a host whose findings hold a vulnerable copy back to vulnerable', async () => {
    const other = await seedHost(c, { hostname: 'web-2', findings: [LOG4J_2_14] });
    try {
      const status = async () =>
        (
          (await c.http().get(`/api/v1/hosts/${other.hostId}`).set('Authorization', viewer))
            .body as { host: { status: string } }
        ).host.status;
      const probeOther = async (findings: ReturnType<typeof finding>[]) => {
        const res = await post(`/hosts/${other.hostId}/probe`, operator, {
          targets: [{ port: 8080 }],
        });
        expect(res.status).toBe(201);
        const id = (res.body as { id: string }).id;
        await other.upload({
          commandId: id,
          sequence: 0,
          totalChunks: 1,
          findings: [],
          errors: [],
          kindResults: {
            kind: { $case: 'probe', value: part({ targets: [target(8080)], findings }) },
          },
        });
        await eventually(async () => {
          const runs = (
            (
              await c
                .http()
                .get(`/api/v1/hosts/${other.hostId}/probes`)
                .set('Authorization', viewer)
            ).body as HostProbes
          ).runs;
          return runs.some((r) => r.commandId === id && r.verdict !== '') ? true : undefined;
        }, `probe ${id} ingested`);
      };
      const scanOther = async (found: typeof LOG4J_2_14) => {
        const res = await post(`/hosts/${other.hostId}/scans`, operator, {});
        const id = (res.body as { id: string }).id;
        await other.upload({
          commandId: id,
          sequence: 0,
          totalChunks: 1,
          findings: [found],
          errors: [],
        });
        await scanIngested(c, other.hostId, id);
      };
      expect(await status()).toBe('vulnerable');
      await probeOther([finding(8080, 'User-Agent')]);
      expect(await status()).toBe('exploitable');
      await scanOther(LOG4J_2_14);
      expect(await status()).toBe('exploitable');
      await probeOther([]);
      expect(await status()).toBe('vulnerable');
      // And a clean scan of an exploitable host does not clear it either.
      await probeOther([finding(8080, 'User-Agent')]);
      await scanOther(LOG4J_2_17);
      expect(await status()).toBe('exploitable');
    } finally {
      other.close();
    }
  });
});
