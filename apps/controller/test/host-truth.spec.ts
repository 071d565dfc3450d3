import { Finding, ScanError } from '@log4fleet/contracts';
import { eventually, TestAgent } from './support/agent-client';
import { LOG4J_2_14, LOG4J_2_17, seedHost } from './support/seed';
import { startTestController, TestController, TestDatabase } from './support/test-controller';

/**
 * Issue 14, "host truth": what the controller says about a host (its findings, its state, a
 * verified remediation) is what its scans showed, each within what it covered. Scan results are
 * uploaded over real gRPC, as an agent does, to a real controller on SQLite and PostgreSQL.
 */
jest.setTimeout(90_000);

const VULNERABLE_JAR = '/srv/app/lib/log4j-core-2.14.1.jar';
/** The same jar seen in a running JVM (the agent's evidence marks it). */
const IN_JVM: Finding = {
  ...LOG4J_2_14,
  chain: [Buffer.from('/opt/jvm-app/log4j-core-2.14.1.jar')],
  evidence: ['running in JVM pid 4321 (app), on its classpath', 'JndiLookup.class present'],
};
const ELSEWHERE: Finding = {
  ...LOG4J_2_17,
  chain: [Buffer.from('/opt/svc/log4j-core-2.17.1.jar')],
};

interface Host {
  status: string;
  flagged: boolean;
  flagReason: string | null;
}
interface Run {
  id: string;
  commandId: string;
  finishedAt: string | null;
  completeness: string;
  incompleteReason: string | null;
  scope: { paths: string[]; processes: boolean };
  summary: { findings: number; errors: number };
}
interface FindingBody {
  path: string;
  status: string;
  source: string;
  current: boolean;
}

describe.each<TestDatabase>(['sqlite', 'postgres'])('host truth on %s', (database) => {
  let c: TestController;
  const agents: TestAgent[] = [];
  const admin = () => `Bearer ${c.adminToken}`;

  beforeAll(async () => {
    c = await startTestController({ database });
  });
  afterAll(async () => {
    agents.forEach((a) => a.close());
    await c.close();
  });

  async function vulnerableHost(findings: Finding[] = [LOG4J_2_14]): Promise<TestAgent> {
    const agent = await seedHost(c, { findings });
    agents.push(agent);
    return agent;
  }

  /** Creates a scan command (through REST); its results are uploaded later by `complete`. */
  async function createScan(agent: TestAgent, body: Record<string, unknown> = {}): Promise<string> {
    const res = await c
      .http()
      .post(`/api/v1/hosts/${agent.hostId}/scans`)
      .set('Authorization', admin())
      .send(body);
    expect(res.status).toBe(201);
    return (res.body as { id: string }).id;
  }

  /** Uploads a scan's results like an agent (one chunk, real gRPC), waits until it is ingested: its run. */
  async function complete(
    agent: TestAgent,
    commandId: string,
    findings: Finding[],
    errors: ScanError[] = [],
  ): Promise<Run> {
    await agent.upload({ commandId, sequence: 0, totalChunks: 1, findings, errors });
    // Waits on the audit log, which also tells a controller without scan history (the old one).
    await eventually(async () => {
      const done = await audit(agent, 'scan.completed');
      return done.some((e) => (e.details as { commandId: string }).commandId === commandId)
        ? true
        : undefined;
    }, `the results of scan ${commandId} ingested`);
    const history = await c
      .http()
      .get(`/api/v1/hosts/${agent.hostId}/scans`)
      .set('Authorization', admin());
    const run = (history.body as { items?: Run[] }).items?.find((r) => r.commandId === commandId);
    return run ?? ({ commandId } as Run);
  }

  async function scan(
    agent: TestAgent,
    body: Record<string, unknown>,
    findings: Finding[],
    errors: ScanError[] = [],
  ): Promise<Run> {
    return complete(agent, await createScan(agent, body), findings, errors);
  }

  async function scans(agent: TestAgent): Promise<Run[]> {
    const res = await c
      .http()
      .get(`/api/v1/hosts/${agent.hostId}/scans`)
      .set('Authorization', admin());
    expect(res.status).toBe(200);
    return (res.body as { items: Run[] }).items;
  }

  async function host(agent: TestAgent): Promise<Host> {
    const res = await c.http().get(`/api/v1/hosts/${agent.hostId}`).set('Authorization', admin());
    return (res.body as { host: Host }).host;
  }

  async function current(agent: TestAgent): Promise<FindingBody[]> {
    const res = await c
      .http()
      .get('/api/v1/findings')
      .query({ hostId: agent.hostId })
      .set('Authorization', admin());
    return (res.body as { items: FindingBody[] }).items;
  }

  const paths = async (agent: TestAgent) => (await current(agent)).map((f) => f.path).sort();

  async function remediate(agent: TestAgent): Promise<string> {
    const res = await c
      .http()
      .post(`/api/v1/hosts/${agent.hostId}/remediations`)
      .set('Authorization', admin())
      .send({ method: 'upgraded', note: 'log4j-core 2.17.1 from the vendor package' });
    expect(res.status).toBe(201);
    return (res.body as { commandId: string }).commandId;
  }

  async function remediation(agent: TestAgent, commandId: string) {
    const res = await c
      .http()
      .get(`/api/v1/hosts/${agent.hostId}/remediations`)
      .set('Authorization', admin());
    expect(res.status).toBe(200);
    return (
      res.body as Array<{
        commandId: string;
        verification: string;
        verifiedByScanRunId: string | null;
        reason: string | null;
        targets: { paths: string[]; processes: boolean } | null;
      }>
    ).find((r) => r.commandId === commandId)!;
  }

  async function audit(agent: TestAgent, action: string): Promise<Array<{ details: unknown }>> {
    const res = await c
      .http()
      .get('/api/v1/audit')
      .query({ hostId: agent.hostId, action })
      .set('Authorization', admin());
    return (res.body as { items: Array<{ details: unknown }> }).items;
  }

  describe('a host’s findings are the union of what its latest scans saw, each in its scope', () => {
    it('a scan of a root that does not exist is incomplete: the vulnerable host stays vulnerable', async () => {
      const agent = await vulnerableHost();
      const run = await scan(
        agent,
        { paths: ['/no/such/dir'] },
        [],
        [
          {
            chain: [Buffer.from('/no/such/dir')],
            code: 'io-error',
            message: 'ENOENT: no such file',
          },
        ],
      );
      expect(await host(agent)).toMatchObject({ status: 'vulnerable', flagged: false });
      expect(await paths(agent)).toEqual([VULNERABLE_JAR]);
      expect(run).toMatchObject({
        completeness: 'incomplete',
        incompleteReason: expect.stringMatching(/root \/no\/such\/dir could not be read/),
      });
    });

    it('an incomplete full scan adds what it found and clears nothing', async () => {
      const agent = await vulnerableHost();
      await scan(
        agent,
        {},
        [ELSEWHERE],
        [{ chain: [Buffer.from('/')], code: 'permission-denied', message: 'EACCES' }],
      );
      expect(await paths(agent)).toEqual(['/opt/svc/log4j-core-2.17.1.jar', VULNERABLE_JAR]);
      expect((await host(agent)).status).toBe('vulnerable');
    });

    it('a scan of one directory replaces findings only under it', async () => {
      const agent = await vulnerableHost([LOG4J_2_14, ELSEWHERE]);
      const run = await scan(agent, { paths: ['/opt/svc'] }, []);
      expect(await paths(agent)).toEqual([VULNERABLE_JAR]);
      expect((await host(agent)).status).toBe('vulnerable');
      expect(run).toMatchObject({ completeness: 'complete', scope: { paths: ['/opt/svc'] } });
    });

    it('a processes-only scan replaces the JVM findings, not the files on disk', async () => {
      const agent = await vulnerableHost([LOG4J_2_14, IN_JVM]);
      await scan(agent, { processesOnly: true }, []);
      expect(await paths(agent)).toEqual([VULNERABLE_JAR]);
      expect((await host(agent)).status).toBe('vulnerable');
      expect((await current(agent)).map((f) => f.source)).toEqual(['path']);
    });

    it('a file that could not be read keeps its earlier finding; a complete scan of its directory clears the rest', async () => {
      const agent = await vulnerableHost([
        LOG4J_2_14,
        { ...LOG4J_2_14, chain: [Buffer.from('/srv/app/lib/other.jar')] },
      ]);
      await scan(
        agent,
        { paths: ['/srv/app'] },
        [],
        [{ chain: [Buffer.from(VULNERABLE_JAR)], code: 'corrupt-archive', message: 'bad zip' }],
      );
      expect(await paths(agent)).toEqual([VULNERABLE_JAR]);
      await scan(agent, { paths: ['/srv/app'] }, []);
      expect(await paths(agent)).toEqual([]);
      expect(await host(agent)).toMatchObject({ status: 'clean', flagged: true });
    });

    it('a scan whose chunks are ingested apart counts and keeps every chunk’s findings and errors', async () => {
      const agent = await vulnerableHost([]);
      const id = await createScan(agent, { paths: ['/srv'] });
      await agent.upload({
        commandId: id,
        sequence: 0,
        totalChunks: 2,
        findings: [LOG4J_2_14],
        errors: [{ chain: [Buffer.from('/srv/x.jar')], code: 'corrupt-archive', message: 'bad' }],
      });
      await eventually(async () => {
        const res = await c
          .http()
          .get(`/api/v1/commands/${id}/results`)
          .set('Authorization', admin());
        return (res.body as { ingested: number }).ingested === 1 ? true : undefined;
      }, 'the first chunk ingested');
      const second = { ...LOG4J_2_17, chain: [Buffer.from('/srv/b/log4j-core-2.17.1.jar')] };
      await agent.upload({
        commandId: id,
        sequence: 1,
        totalChunks: 2,
        findings: [second],
        errors: [{ chain: [Buffer.from('/srv/y.jar')], code: 'corrupt-archive', message: 'bad' }],
      });
      const done = await eventually(async () => {
        const r = (await scans(agent)).find((x) => x.commandId === id);
        return r?.finishedAt ? r : undefined;
      }, 'the scan completed');
      expect(done.summary).toMatchObject({ findings: 2, errors: 2 });
      expect(await paths(agent)).toEqual([
        '/srv/app/lib/log4j-core-2.14.1.jar',
        '/srv/b/log4j-core-2.17.1.jar',
      ]);
      expect((await host(agent)).status).toBe('vulnerable');
    });

    it("a narrower scan created later but finished first does not throw away the full scan's findings", async () => {
      const agent = await vulnerableHost([]);
      const full = await createScan(agent, {});
      const narrow = await createScan(agent, { paths: ['/var/empty'] });
      await complete(agent, narrow, []);
      const many = Array.from({ length: 40 }, (_, i) => ({
        ...LOG4J_2_17,
        chain: [Buffer.from(`/opt/app${i}/log4j-core-2.17.1.jar`)],
      }));
      await complete(agent, full, [LOG4J_2_14, ...many]);
      expect(await current(agent)).toHaveLength(41);
      expect((await host(agent)).status).toBe('vulnerable');
    });
  });

  describe('verification that proves', () => {
    it('an empty-directory scan created after the remediation does not verify it', async () => {
      const agent = await vulnerableHost();
      const id = await remediate(agent);
      const empty = await scan(agent, { paths: ['/tmp/empty'] }, []);
      expect((await host(agent)).status).toBe('remediated');
      expect(await audit(agent, 'command.verified')).toHaveLength(0);
      expect(await remediation(agent, id)).toMatchObject({
        verification: 'unverified',
        verifiedByScanRunId: null,
        reason: expect.stringContaining(`did not cover ${VULNERABLE_JAR}`),
        targets: { paths: [VULNERABLE_JAR], processes: false },
      });
      expect(empty.completeness).toBe('complete');
    });

    it('a scan created before the remediation does not verify it, even when it finishes after', async () => {
      const agent = await vulnerableHost();
      const before = await createScan(agent, {});
      const id = await remediate(agent);
      await complete(agent, before, []);
      expect((await host(agent)).status).toBe('remediated');
      expect(await audit(agent, 'command.verified')).toHaveLength(0);
      expect(await remediation(agent, id)).toMatchObject({
        verification: 'unverified',
        reason: expect.stringContaining('created before the remediation'),
      });
    });

    it('a scan created before the remediation that still saw the jar vulnerable leaves the host remediated', async () => {
      const agent = await vulnerableHost();
      const before = await createScan(agent, {});
      const id = await remediate(agent);
      await complete(agent, before, [LOG4J_2_14]);
      expect((await host(agent)).status).toBe('remediated');
      expect(await remediation(agent, id)).toMatchObject({ verification: 'unverified' });
    });

    it('a rescan of where the findings were, complete and clean, verifies it and is recorded on it', async () => {
      const agent = await vulnerableHost();
      const id = await remediate(agent);
      const campaign = await eventually(async () => {
        const res = await c
          .http()
          .get('/api/v1/campaigns')
          .query({ kind: 'verify' })
          .set('Authorization', admin());
        const items = (res.body as { items: Array<{ name: string; params: unknown }> }).items;
        return items.find((x) => x.name.includes(id));
      }, 'the verification campaign');
      expect(campaign.params).toMatchObject({ paths: ['/srv/app/lib'], processes: false });
      const rescan = await scan(agent, { paths: ['/srv/app/lib'], processes: false }, [
        { ...LOG4J_2_17, chain: [Buffer.from('/srv/app/lib/log4j-core-2.17.1.jar')] },
      ]);
      expect(await remediation(agent, id)).toMatchObject({
        verification: 'verified',
        verifiedByScanRunId: rescan.id,
        reason: null,
      });
      expect(await host(agent)).toMatchObject({ status: 'verified', flagged: false });
      const verified = await audit(agent, 'command.verified');
      expect(verified.map((e) => e.details)).toEqual([
        expect.objectContaining({ commandId: id, scanRunId: rescan.id }),
      ]);
    });

    it('a rescan that is incomplete on those roots leaves it unverified with the reason', async () => {
      const agent = await vulnerableHost();
      const id = await remediate(agent);
      await scan(
        agent,
        { paths: ['/srv/app/lib'] },
        [],
        [{ chain: [Buffer.from('/srv/app/lib')], code: 'permission-denied', message: 'EACCES' }],
      );
      expect((await host(agent)).status).toBe('remediated');
      expect(await remediation(agent, id)).toMatchObject({
        verification: 'unverified',
        reason: expect.stringContaining('incomplete'),
      });
    });
  });

  describe('scan history', () => {
    it('lists scan runs with scope and completeness, reads and exports an earlier run, and compares two', async () => {
      const agent = await vulnerableHost([LOG4J_2_14, ELSEWHERE]);
      const fixedJar = { ...LOG4J_2_17, chain: [Buffer.from(VULNERABLE_JAR)] };
      const newJar = { ...LOG4J_2_17, chain: [Buffer.from('/srv/new/log4j-core-2.17.1.jar')] };
      const second = await scan(agent, {}, [fixedJar, newJar]);
      const runs = await scans(agent);
      expect(runs).toHaveLength(2);
      const first = runs[1];
      expect(runs[0]).toMatchObject({
        id: second.id,
        completeness: 'complete',
        scope: { paths: ['/'], processes: true },
        summary: { findings: 2, errors: 0 },
      });
      const old = await c
        .http()
        .get('/api/v1/findings')
        .query({ scanRunId: first.id })
        .set('Authorization', admin());
      expect(old.status).toBe(200);
      expect((old.body as { items: FindingBody[] }).items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: VULNERABLE_JAR, status: 'vulnerable', current: false }),
        ]),
      );
      const csv = await c
        .http()
        .get('/api/v1/findings/export')
        .query({ scanRunId: first.id, format: 'csv' })
        .set('Authorization', admin());
      expect(csv.status).toBe(200);
      expect(csv.text.trim().split('\n')).toHaveLength(3);
      const diff = await c
        .http()
        .get(`/api/v1/hosts/${agent.hostId}/scans/compare`)
        .query({ from: first.id, to: second.id })
        .set('Authorization', admin());
      expect(diff.status).toBe(200);
      const body = diff.body as {
        new: FindingBody[];
        gone: FindingBody[];
        changed: Array<{ fields: string[]; before: FindingBody; after: FindingBody }>;
      };
      expect(body.new.map((f) => f.path)).toEqual(['/srv/new/log4j-core-2.17.1.jar']);
      expect(body.gone.map((f) => f.path)).toEqual(['/opt/svc/log4j-core-2.17.1.jar']);
      expect(body.changed).toEqual([
        expect.objectContaining({
          fields: expect.arrayContaining(['status', 'version']),
          before: expect.objectContaining({ status: 'vulnerable' }),
          after: expect.objectContaining({ status: 'safe' }),
        }),
      ]);
      const foreign = await c
        .http()
        .get(`/api/v1/hosts/${agent.hostId}/scans/compare`)
        .query({ from: first.id, to: '00000000-0000-4000-8000-000000000000' })
        .set('Authorization', admin());
      expect(foreign.status).toBe(404);
    });

    it('refuses a relative scan path with a 400 naming it', async () => {
      const agent = await vulnerableHost([]);
      const res = await c
        .http()
        .post(`/api/v1/hosts/${agent.hostId}/scans`)
        .set('Authorization', admin())
        .send({ paths: ['/srv', 'srv/app'] });
      expect(res.status).toBe(400);
      expect((res.body as { message: string[] }).message.join('\n')).toContain(
        'paths must be absolute (start with "/"): "srv/app" is relative',
      );
    });
  });

  describe('flags with a life', () => {
    it('is raised with a reason, cleared when the host is vulnerable again, and filtered on', async () => {
      const agent = await vulnerableHost();
      await scan(agent, { paths: ['/srv/app'] }, []);
      expect(await host(agent)).toMatchObject({
        status: 'clean',
        flagged: true,
        flagReason: 'clean without a recorded remediation',
      });
      const flagged = await c
        .http()
        .get('/api/v1/hosts')
        .query({ flagged: 'true', pageSize: 200 })
        .set('Authorization', admin());
      expect((flagged.body as { items: Array<{ id: string }> }).items.map((h) => h.id)).toContain(
        agent.hostId,
      );
      await scan(agent, { paths: ['/srv/app'] }, [LOG4J_2_14]);
      expect(await host(agent)).toMatchObject({
        status: 'vulnerable',
        flagged: false,
        flagReason: null,
      });
      expect(await audit(agent, 'host.flag_cleared')).toHaveLength(1);
      const notFlagged = await c
        .http()
        .get('/api/v1/hosts')
        .query({ flagged: 'true', pageSize: 200 })
        .set('Authorization', admin());
      expect(
        (notFlagged.body as { items: Array<{ id: string }> }).items.map((h) => h.id),
      ).not.toContain(agent.hostId);
      const bad = await c
        .http()
        .get('/api/v1/hosts')
        .query({ flagged: 'maybe' })
        .set('Authorization', admin());
      expect(bad.status).toBe(400);
    });

    it('is cleared by an admin with a note (audited); an operator is refused', async () => {
      const agent = await vulnerableHost();
      await scan(agent, { paths: ['/srv/app'] }, []);
      expect((await host(agent)).flagged).toBe(true);
      const clear = (token: string, body: Record<string, unknown>) =>
        c
          .http()
          .post(`/api/v1/hosts/${agent.hostId}/flag/clear`)
          .set('Authorization', `Bearer ${token}`)
          .send(body);
      expect((await clear(await c.tokenFor('operator'), { note: 'x' })).status).toBe(403);
      expect((await clear(c.adminToken, {})).status).toBe(400);
      const res = await clear(c.adminToken, { note: 'patched by the app team, CHG-42' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ flagged: false, flagReason: null });
      expect((await audit(agent, 'host.flag_cleared')).map((e) => e.details)).toEqual([
        expect.objectContaining({
          note: 'patched by the app team, CHG-42',
          reason: 'clean without a recorded remediation',
        }),
      ]);
      expect((await clear(c.adminToken, { note: 'again' })).status).toBe(409);
    });
  });
});
