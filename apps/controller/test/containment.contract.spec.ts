import { CommandState } from '@log4fleet/contracts';
import { eventually, TestAgent, type AgentStream } from './support/agent-client';
import { seedHost } from './support/seed';
import { startTestController, TestController } from './support/test-controller';

/**
 * The quarantine and release kinds on the controller, against a real gRPC agent client: REST
 * (roles, bad input), the signed command on the wire, and the host's containment following the
 * agent's reports: states, results with evidence, tampering.
 */
describe.each(['sqlite', 'postgres'] as const)('containment contract (%s)', (database) => {
  let c: TestController;
  let operator: string;
  let viewer: string;
  let agent: TestAgent;
  let stream: AgentStream;
  const bearer = (token: string) => `Bearer ${token}`;

  interface Containment {
    state: string;
    mode: string | null;
    commandId: string | null;
    detail: Record<string, unknown>;
  }
  const containment = async (): Promise<{ status: string; containment: Containment | null }> => {
    const res = await c.http().get(`/api/v1/hosts/${agent.hostId}`).set('Authorization', operator);
    return (res.body as { host: { status: string; containment: Containment | null } }).host;
  };
  const containmentIs = (state: string) =>
    eventually(async () => {
      const h = await containment();
      return h.containment?.state === state ? h : undefined;
    }, `containment ${state}`);
  const post = (route: string, body: object, auth = operator) =>
    c.http().post(`/api/v1/hosts/${agent.hostId}/${route}`).set('Authorization', auth).send(body);
  const update = (commandId: string, state: CommandState, message = '', totalChunks = 0) =>
    stream.send({
      kind: {
        $case: 'update',
        value: { commandId, state, message, atMs: Date.now(), totalChunks },
      },
    });
  const commandOnWire = (id: string) =>
    stream.next(
      (m) => (m.kind?.$case === 'command' && m.kind.value.id === id ? m.kind.value : undefined),
      `command ${id}`,
    );

  beforeAll(async () => {
    c = await startTestController({ database });
    operator = bearer(await c.tokenFor('operator'));
    viewer = bearer(await c.tokenFor('viewer'));
    agent = await seedHost(c, { hostname: 'contained' });
    stream = agent.connect();
  });

  afterAll(async () => {
    stream?.close();
    agent?.close();
    await c.close();
  });

  it('needs the operator role and a token', async () => {
    expect((await post('quarantine', { mode: 'isolate' }, viewer)).status).toBe(403);
    expect((await c.http().post(`/api/v1/hosts/${agent.hostId}/release`).send({})).status).toBe(
      401,
    );
  });

  it.each([
    [{ mode: 'lockdown' }, 'mode'],
    [{ mode: 'isolate', allowlist: [{ cidr: '0.0.0.0/0', protocol: 'tcp' }] }, 'no quarantine'],
    [{ mode: 'isolate', allowlist: [{ cidr: '10.0.0.0/8', protocol: 'icmp' }] }, 'protocol'],
    [{ mode: 'isolate', allowlist: [{ cidr: 'ten', protocol: 'tcp' }] }, 'cidr'],
    [{ mode: 'egress-block', resolvers: ['dns.example'] }, 'resolvers'],
    [{ mode: 'isolate', probe: { address: '192.0.2.1', port: 70000, protocol: 'tcp' } }, 'port'],
    [{ mode: 'isolate', deadlineSeconds: 301 }, 'deadlineSeconds'],
  ])('400 on %j, naming the field', async (body, field) => {
    const res = await post('quarantine', body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(field);
  });

  it('404 for a host that does not exist', async () => {
    const res = await c
      .http()
      .post('/api/v1/hosts/00000000-0000-4000-8000-000000000000/quarantine')
      .set('Authorization', operator)
      .send({ mode: 'isolate' });
    expect(res.status).toBe(404);
  });

  it('a quarantine: requested, signed on the wire with its parameters, applied, then verified from the evidence', async () => {
    const res = await post('quarantine', {
      mode: 'isolate',
      allowlist: [{ cidr: '10.20.0.0/24', protocol: 'tcp', port: 22 }],
      probe: { address: '192.0.2.7', port: 1389, protocol: 'tcp' },
      deadlineSeconds: 20,
      reason: 'log4j-core 2.14.1',
      ticket: 'INC-1',
    });
    expect(res.status).toBe(201);
    const id = (res.body as { id: string }).id;
    expect((await containment()).containment).toMatchObject({
      state: 'requested',
      mode: 'isolate',
      commandId: id,
    });
    const wire = await commandOnWire(id);
    expect(wire.signature.length).toBe(64);
    expect(wire.kind).toEqual({
      $case: 'quarantine',
      value: {
        mode: 'isolate',
        allowlist: [{ cidr: '10.20.0.0/24', protocol: 'tcp', port: 22 }],
        resolvers: [],
        probe: { address: '192.0.2.7', port: 1389, protocol: 'tcp' },
        deadlineS: 20,
        controllerAddresses: [],
      },
    });
    update(id, CommandState.COMMAND_STATE_STARTED);
    update(id, CommandState.COMMAND_STATE_SUCCEEDED, '', 1);
    await containmentIs('applied');
    const evidence = { rulesetHash: 'sha256:abc', checks: [{ name: 'controller', ok: true }] };
    await agent.upload({
      commandId: id,
      sequence: 0,
      totalChunks: 1,
      findings: [],
      errors: [],
      kindResults: {
        kind: {
          $case: 'quarantine',
          value: {
            state: 'verified',
            code: '',
            reason: '',
            rolledBack: false,
            evidenceJson: JSON.stringify(evidence),
          },
        },
      },
    });
    const h = await containmentIs('verified');
    expect(h.status).toBe('quarantined');
    expect(h.containment!.detail).toMatchObject({ evidence });
  });

  it("the agent's tamper report makes the containment tampered, with its detail", async () => {
    stream.send({
      kind: {
        $case: 'containment',
        value: {
          state: 'tampered',
          kind: 'missing',
          detail: 'table removed',
          rulesetHash: 'sha256:abc',
          atMs: Date.now(),
        },
      },
    });
    const h = await containmentIs('tampered');
    expect(h.containment!.detail).toMatchObject({
      kind: 'missing',
      detail: 'table removed',
      restoredByAgent: true,
    });
  });

  it('a containment report of an unknown state ends the stream as malformed', async () => {
    const other = await seedHost(c, { hostname: 'liar' });
    const s = other.connect();
    s.send({
      kind: {
        $case: 'containment',
        value: { state: 'fine', kind: '', detail: '', rulesetHash: '', atMs: 0 },
      },
    });
    const ended = await s.end();
    expect(ended).not.toBe('ok');
    other.close();
  });

  it('a failed quarantine: failed with the reason, status unchanged', async () => {
    const res = await post('quarantine', { mode: 'egress-block' });
    const id = (res.body as { id: string }).id;
    await commandOnWire(id);
    update(id, CommandState.COMMAND_STATE_STARTED);
    update(
      id,
      CommandState.COMMAND_STATE_FAILED,
      'CONTROLLER_UNREACHABLE: no answer (rolled back: the host is as before)',
    );
    const h = await containmentIs('failed');
    expect(h.containment!.detail).toMatchObject({
      reason: expect.stringContaining('CONTROLLER_UNREACHABLE') as unknown,
    });
    expect(h.status).toBe('quarantined');
  });

  it('a release: released from its results, host status released', async () => {
    const res = await post('release', { reason: 'patched' });
    const id = (res.body as { id: string }).id;
    expect((await commandOnWire(id)).kind).toEqual({ $case: 'release', value: {} });
    update(id, CommandState.COMMAND_STATE_STARTED);
    update(id, CommandState.COMMAND_STATE_SUCCEEDED, '', 1);
    await agent.upload({
      commandId: id,
      sequence: 0,
      totalChunks: 1,
      findings: [],
      errors: [],
      kindResults: {
        kind: {
          $case: 'release',
          value: { state: 'released', code: '', reason: '', tableWasPresent: true },
        },
      },
    });
    const h = await containmentIs('released');
    expect(h.status).toBe('released');
    expect(h.containment!.detail).toMatchObject({ tableWasPresent: true });
  });

  it("the host's timeline tells the story in order", async () => {
    const res = await c
      .http()
      .get(`/api/v1/hosts/${agent.hostId}/timeline`)
      .set('Authorization', viewer);
    expect(res.status).toBe(200);
    const actions = (res.body as Array<{ action: string }>).map((e) => e.action);
    const order = [
      'agent.enrolled',
      'containment.requested',
      'containment.applied',
      'containment.verified',
      'containment.tampered',
      'containment.failed',
      'containment.released',
    ].map((a) => actions.indexOf(a));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(actions).toEqual(
      expect.arrayContaining(['command.queued', 'command.succeeded', 'command.failed']),
    );
  });
});
