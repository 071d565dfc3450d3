import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { CommandState, type FileFix, type UploadResultsRequest } from '@log4fleet/contracts';
import { eventually, type TestAgent } from './support/agent-client';
import { LOG4J_2_14, seedHost } from './support/seed';
import { startTestController, type TestController } from './support/test-controller';

// The fix and restore kinds on the controller: REST contract (roles, validation), the signed
// command as stored, campaigns, and what a fix's results do to the host and the audit log.

jest.setTimeout(60_000);

const fixedFile = (path: string): FileFix => ({
  path,
  target: path,
  outcome: 'fixed',
  message: 'removed 1 entry',
  copies: [
    {
      path,
      packageRoot: 'org/apache/logging/log4j/',
      product: 'log4j-core',
      version: '2.14.1',
      statusBefore: 'vulnerable',
      cvesBefore: ['CVE-2021-44228'],
      statusAfter: 'mitigated',
      cvesAfter: ['CVE-2021-44832', 'CVE-2021-45105'],
      action: 'fix',
      refusalCode: '',
      refusalReason: '',
    },
  ],
  removed: [`${path}!/org/apache/logging/log4j/core/lookup/JndiLookup.class`],
  signaturesStripped: [],
  sha256Before: 'a'.repeat(64),
  sha256After: 'b'.repeat(64),
  restartNeeded: [{ pid: 4242, command: 'java -jar app.jar', via: 'fd' }],
});

describe('remediation kinds (SQLite)', () => {
  let c: TestController;
  let operator: string;
  let viewer: string;
  let agent: TestAgent;

  beforeAll(async () => {
    c = await startTestController();
    operator = `Bearer ${await c.tokenFor('operator')}`;
    viewer = `Bearer ${await c.tokenFor('viewer')}`;
    agent = await seedHost(c, { hostname: 'web-fix', findings: [LOG4J_2_14] });
  });

  afterAll(async () => {
    agent?.close();
    await c.close();
  });

  const post = (url: string, auth: string | undefined, body: object) => {
    const req = c.http().post(`/api/v1${url}`);
    if (auth) req.set('Authorization', auth);
    return req.send(body);
  };

  it('answers 401 without a token and 403 to a viewer', async () => {
    const body = { paths: ['/opt/app.jar'] };
    expect((await post(`/hosts/${agent.hostId}/remediate`, undefined, body)).status).toBe(401);
    expect((await post(`/hosts/${agent.hostId}/remediate`, viewer, body)).status).toBe(403);
    expect((await post(`/hosts/${agent.hostId}/restore`, viewer, body)).status).toBe(403);
  });

  it.each([
    ['no paths', {}],
    ['an empty path list', { paths: [] }],
    ['65 paths', { paths: Array.from({ length: 65 }, (_, i) => `/a${i}.jar`) }],
    ['a non-boolean flag', { paths: ['/a.jar'], stripSignatures: 'yes' }],
  ])('answers 400 to a fix with %s', async (_what, body) => {
    const res = await post(`/hosts/${agent.hostId}/remediate`, operator, body);
    expect(res.status).toBe(400);
  });

  it('answers 400 to a restore naming a fix command that is not an id, 404 for an unknown host', async () => {
    const bad = await post(`/hosts/${agent.hostId}/restore`, operator, {
      paths: ['/a.jar'],
      fixCommandId: 'x',
    });
    expect(bad.status).toBe(400);
    expect(
      (await post(`/hosts/${randomUUID()}/remediate`, operator, { paths: ['/a.jar'] })).status,
    ).toBe(404);
  });

  it('creates a fix command as asked (operator), stored with its flags', async () => {
    const res = await post(`/hosts/${agent.hostId}/remediate`, operator, {
      paths: ['/opt/app.jar'],
      stripSignatures: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'fix',
      hostId: agent.hostId,
      payload: { paths: ['/opt/app.jar'], dryRun: false, stripSignatures: true, log4j1: false },
    });
  });

  it('stores a restore naming a fix in any case with its canonical lowercase id (the agent takes no other form)', async () => {
    const fixId = randomUUID();
    const res = await post(`/hosts/${agent.hostId}/restore`, operator, {
      paths: ['/opt/app.jar'],
      fixCommandId: fixId.toUpperCase(),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'restore', payload: { fixCommandId: fixId } });
  });

  it('fixes the files that hold findings of this host, and 404s a finding of another host', async () => {
    const findings = await c
      .http()
      .get('/api/v1/findings')
      .query({ hostId: agent.hostId })
      .set('Authorization', operator);
    const finding = (findings.body as { items: Array<{ id: string; chain: string[] }> }).items[0];
    const res = await post(`/hosts/${agent.hostId}/remediate`, operator, {
      findingIds: [finding.id],
      paths: ['/opt/extra.jar'],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ payload: { paths: ['/opt/extra.jar', finding.chain[0]] } });
    const other = await seedHost(c, { hostname: 'other' });
    try {
      const wrong = await post(`/hosts/${other.hostId}/remediate`, operator, {
        findingIds: [finding.id],
      });
      expect(wrong.status).toBe(404);
    } finally {
      other.close();
    }
  });

  it('takes fix in a campaign (paths required) and refuses restore there', async () => {
    const noPaths = await post('/campaigns', operator, {
      name: 'c-none',
      kind: 'fix',
      selector: { hostIds: [agent.hostId] },
      params: {},
    });
    expect(noPaths.status).toBe(400);
    const campaign = (kind: string) =>
      post('/campaigns', operator, {
        name: `c-${kind}`,
        kind,
        selector: { hostIds: [agent.hostId] },
        params: { paths: ['/opt/app.jar'] },
      });
    const fix = await campaign('fix');
    expect(fix.status).toBe(202);
    expect(fix.body).toMatchObject({ kind: 'fix' });
    const restore = await campaign('restore');
    expect(restore.status).toBe(400);
    expect(JSON.stringify(restore.body)).toMatch(/restore.*cannot run in campaigns/);
  });

  it("ingests a fix's results: evidence per file in the audit log, the host remediated", async () => {
    const created = await post(`/hosts/${agent.hostId}/remediate`, operator, {
      paths: ['/opt/app.jar'],
    });
    const commandId = (created.body as { id: string }).id;
    const upload: UploadResultsRequest = {
      commandId,
      sequence: 0,
      totalChunks: 1,
      findings: [],
      errors: [],
      kindResults: { kind: { $case: 'fix', value: { files: [fixedFile('/opt/app.jar')] } } },
    };
    expect(await agent.upload(upload)).toMatchObject({ duplicate: false, complete: true });
    const audit = await eventually(async () => {
      const res = await c
        .http()
        .get('/api/v1/audit')
        .query({ hostId: agent.hostId, action: 'fix.files' })
        .set('Authorization', operator);
      const items = (
        res.body as { items: Array<{ actor: string; details: Record<string, unknown> }> }
      ).items;
      return items.length > 0 ? items : undefined;
    }, 'the fix evidence in the audit log');
    expect(audit[0].actor).toBe(agent.agentId);
    expect(audit[0].details).toMatchObject({
      commandId,
      files: [
        {
          path: '/opt/app.jar',
          outcome: 'fixed',
          removed: ['/opt/app.jar!/org/apache/logging/log4j/core/lookup/JndiLookup.class'],
          restartNeeded: [{ pid: 4242, command: 'java -jar app.jar' }],
          copies: [{ before: 'vulnerable', after: 'mitigated', action: 'fix' }],
        },
      ],
    });
    const host = await c.http().get(`/api/v1/hosts/${agent.hostId}`).set('Authorization', operator);
    expect((host.body as { host: { status: string } }).host.status).toBe('remediated');
  });

  it('queues the verification rescan after a fix that changed files, none after a dry run', async () => {
    const stream = agent.connect();
    const finish = async (dryRun: boolean): Promise<string> => {
      const created = await post(`/hosts/${agent.hostId}/remediate`, operator, {
        paths: ['/opt/app.jar'],
        dryRun,
      });
      const commandId = (created.body as { id: string }).id;
      for (const state of [
        CommandState.COMMAND_STATE_DELIVERED,
        CommandState.COMMAND_STATE_STARTED,
        CommandState.COMMAND_STATE_SUCCEEDED,
      ])
        stream.send({
          kind: {
            $case: 'update',
            value: { commandId, state, message: '', atMs: Date.now(), totalChunks: 1 },
          },
        });
      await eventually(async () => {
        const res = await c
          .http()
          .get(`/api/v1/commands/${commandId}`)
          .set('Authorization', operator);
        return (res.body as { state: string }).state === 'succeeded' ? true : undefined;
      }, `${commandId} succeeded`);
      return commandId;
    };
    const verifyCampaigns = async (): Promise<string[]> => {
      const res = await c
        .http()
        .get('/api/v1/campaigns')
        .query({ kind: 'verify' })
        .set('Authorization', operator);
      return (res.body as { items: Array<{ name: string }> }).items.map((x) => x.name);
    };
    const dry = await finish(true);
    const real = await finish(false);
    // The real fix's rescan comes; by then the dry run's would have come too (queued first).
    await eventually(
      async () => ((await verifyCampaigns()).some((n) => n.includes(real)) ? true : undefined),
      'the verification campaign of the fix',
    );
    expect((await verifyCampaigns()).some((n) => n.includes(dry))).toBe(false);
    stream.close();
  });

  it("refuses a fix's chunk that carries restore results", async () => {
    const created = await post(`/hosts/${agent.hostId}/remediate`, operator, { paths: ['/x.jar'] });
    const commandId = (created.body as { id: string }).id;
    const refused = await agent
      .upload({
        commandId,
        sequence: 0,
        totalChunks: 1,
        findings: [],
        errors: [],
        kindResults: { kind: { $case: 'restore', value: { files: [] } } },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(String(refused)).toContain('must be fix results');
  });
});
