import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import {
  CommandState,
  ControllerMessage,
  Finding,
  UploadResultsRequest,
} from '@log4fleet/contracts';
import { CommandsService } from '../src/commands/commands.service';
import { HostDetailDto } from '../src/hosts/host-detail.dto';
import { AgentStream, eventually, TestAgent } from './support/agent-client';
import { scanIngested } from './support/seed';
import { startTestController, TestController, TestDatabase } from './support/test-controller';

const VULNERABLE_JAR: Finding = {
  chain: [Buffer.from('/opt/app/lib/app.war'), Buffer.from('WEB-INF/lib/log4j-core-2.14.1.jar')],
  product: 'log4j-core',
  version: '2.14.1',
  versionExact: true,
  status: 'vulnerable',
  cves: ['CVE-2021-44228', 'CVE-2021-45046'],
  evidence: ['JndiLookup.class present'],
  packageRoot: 'org/apache/logging/log4j/',
  sha256: 'a'.repeat(64),
};

function chunk(
  commandId: string,
  sequence: number,
  totalChunks: number,
  extra: Partial<UploadResultsRequest> = {},
): UploadResultsRequest {
  return { commandId, sequence, totalChunks, findings: [], errors: [], ...extra };
}

const commandOf = (m: ControllerMessage) =>
  m.kind?.$case === 'command' ? m.kind.value : undefined;

function update(commandId: string, state: CommandState, totalChunks = 0) {
  return {
    kind: {
      $case: 'update' as const,
      value: { commandId, state, message: '', atMs: Date.now(), totalChunks },
    },
  };
}

describe.each<TestDatabase>(['sqlite', 'postgres'])('agent gRPC service on %s', (database) => {
  let controller: TestController;
  let admin: string;
  let operator: string;
  const agents: TestAgent[] = [];
  const streams: AgentStream[] = [];

  beforeAll(async () => {
    controller = await startTestController({ database });
    admin = controller.adminToken;
    operator = await controller.tokenFor('operator');
  });

  afterAll(async () => {
    streams.forEach((s) => s.close());
    agents.forEach((a) => a.close());
    await controller.close();
  });

  async function enrollmentToken(body: Record<string, unknown> = {}): Promise<string> {
    const res = await controller
      .http()
      .post('/api/v1/enrollment-tokens')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'fleet', maxUses: 10, ...body });
    expect(res.status).toBe(201);
    return (res.body as { token: string }).token;
  }

  async function enrolledAgent(tags?: string[]): Promise<TestAgent> {
    const agent = new TestAgent(controller.grpcAddress);
    agents.push(agent);
    await agent.enroll(await enrollmentToken(tags ? { tags } : {}));
    return agent;
  }

  async function connected(agent: TestAgent): Promise<AgentStream> {
    const stream = agent.connect();
    streams.push(stream);
    // The ack proves the controller authenticated and registered the stream (messages are handled in order).
    stream.send({
      kind: {
        $case: 'heartbeat',
        value: { sentAtMs: Date.now(), runningCommands: 0, outboxChunks: 0 },
      },
    });
    await stream.next(
      (m) => (m.kind?.$case === 'heartbeatAck' ? m.kind.value : undefined),
      'a heartbeat ack',
    );
    return stream;
  }

  async function requestScan(
    hostId: string,
  ): Promise<{ id: string; pushed: boolean; deliveredTo: string; state: string }> {
    const res = await controller
      .http()
      .post(`/api/v1/hosts/${hostId}/scans`)
      .set('Authorization', `Bearer ${operator}`)
      .send({ paths: ['/opt'] });
    expect(res.status).toBe(201);
    return res.body as { id: string; pushed: boolean; deliveredTo: string; state: string };
  }

  const getHost = async (hostId: string) =>
    (await controller.http().get(`/api/v1/hosts/${hostId}`).set('Authorization', `Bearer ${admin}`))
      .body as HostDetailDto;
  const getCommand = async (id: string) =>
    (await controller.http().get(`/api/v1/commands/${id}`).set('Authorization', `Bearer ${admin}`))
      .body as { state: string };

  it('runs a scan end to end: enroll, connect, command pushed, updates, chunked upload, host vulnerable', async () => {
    const agent = await enrolledAgent(['dc:eu-west']);
    const stream = await connected(agent);
    stream.send({
      kind: {
        $case: 'hello',
        value: {
          agentVersion: '0.2.0',
          startedAtMs: Date.now(),
          host: TestAgent.facts({ hostname: 'web-01' }),
        },
      },
    });

    const created = await requestScan(agent.hostId);
    expect(created).toMatchObject({ state: 'queued', pushed: true, deliveredTo: 'local' });
    const command = await stream.next(commandOf, 'the scan command');
    expect(command.id).toBe(created.id);
    expect(
      command.kind?.$case === 'scan' &&
        command.kind.value.paths.map((p) => Buffer.from(p).toString()),
    ).toEqual(['/opt']);

    stream.send(update(command.id, CommandState.COMMAND_STATE_DELIVERED));
    stream.send(update(command.id, CommandState.COMMAND_STATE_STARTED));
    await eventually(
      async () => ((await getCommand(command.id)).state === 'started' ? true : undefined),
      'command started',
    );

    expect(await agent.upload(chunk(command.id, 0, 2, { findings: [VULNERABLE_JAR] }))).toEqual({
      duplicate: false,
      chunksReceived: 1,
      complete: false,
    });
    expect(await agent.upload(chunk(command.id, 0, 2, { findings: [VULNERABLE_JAR] }))).toEqual({
      duplicate: true,
      chunksReceived: 1,
      complete: false,
    });
    const last = chunk(command.id, 1, 2, {
      errors: [
        {
          chain: [Buffer.from('/opt/broken.jar')],
          code: 'corrupt-archive',
          message: 'bad central directory',
        },
      ],
      summary: {
        files: 10,
        directories: 3,
        archives: 2,
        bytes: 5_000_000_000,
        findings: 1,
        errors: 1,
        vulnerable: 1,
        mitigated: 0,
        safe: 0,
        unknown: 0,
        durationMs: 1234,
        startedAtMs: Date.now() - 2000,
        finishedAtMs: Date.now(),
      },
    });
    expect(await agent.upload(last)).toEqual({
      duplicate: false,
      chunksReceived: 2,
      complete: true,
    });
    stream.send(update(command.id, CommandState.COMMAND_STATE_SUCCEEDED, 2));
    stream.send(update(command.id, CommandState.COMMAND_STATE_STARTED));
    await eventually(
      async () => ((await getCommand(command.id)).state === 'succeeded' ? true : undefined),
      'command succeeded',
    );

    await scanIngested(controller, agent.hostId, command.id);
    const detail = await getHost(agent.hostId);
    expect(detail.host).toMatchObject({
      status: 'vulnerable',
      hostname: 'web-01',
      tags: ['dc:eu-west'],
      flagged: false,
    });
    expect(detail.findings).toHaveLength(1);
    expect(detail.findings[0]).toMatchObject({
      path: '/opt/app/lib/app.war!/WEB-INF/lib/log4j-core-2.14.1.jar',
      version: '2.14.1',
      cves: ['CVE-2021-44228', 'CVE-2021-45046'],
    });
    expect(detail.errors).toEqual([
      expect.objectContaining({ code: 'corrupt-archive', path: '/opt/broken.jar' }),
    ]);
    expect(detail.latestScan?.summary).toMatchObject({
      files: 10,
      bytes: 5_000_000_000,
      findings: 1,
      errors: 1,
    });
    expect(detail.statusHistory.map((e: { details: unknown }) => e.details)).toEqual([
      expect.objectContaining({ from: 'unknown', to: 'vulnerable' }),
    ]);
    expect((await getCommand(command.id)).state).toBe('succeeded');

    const found = await controller
      .http()
      .get('/api/v1/findings')
      .query({ cve: 'CVE-2021-44228', hostId: agent.hostId })
      .set('Authorization', `Bearer ${admin}`);
    expect(found.body.total).toBe(1);
    const csv = await controller
      .http()
      .get('/api/v1/findings/export')
      .query({ format: 'csv', hostId: agent.hostId })
      .set('Authorization', `Bearer ${admin}`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.trim().split('\n')).toHaveLength(2);
    expect(csv.text).toContain('log4j-core-2.14.1.jar');
  });

  it('flags a vulnerable host whose next scan is clean with no remediation on record', async () => {
    const agent = await enrolledAgent();
    const stream = await connected(agent);
    for (const findings of [
      [VULNERABLE_JAR],
      [{ ...VULNERABLE_JAR, version: '2.17.1', status: 'safe', cves: [] }],
    ]) {
      const { id } = await requestScan(agent.hostId);
      await stream.next((m) => (commandOf(m)?.id === id ? id : undefined), 'the scan command');
      await agent.upload(chunk(id, 0, 1, { findings }));
      await scanIngested(controller, agent.hostId, id);
    }
    const detail = await getHost(agent.hostId);
    expect(detail.host).toMatchObject({
      status: 'clean',
      flagged: true,
      flagReason: 'clean without a recorded remediation',
    });
    const audit = await controller
      .http()
      .get('/api/v1/audit')
      .query({ hostId: agent.hostId, action: 'host.flagged' })
      .set('Authorization', `Bearer ${admin}`);
    expect(audit.body.total).toBe(1);
  });

  it('delivers on connect the commands queued while the agent was away', async () => {
    const agent = await enrolledAgent();
    const queued = await requestScan(agent.hostId);
    expect(queued.pushed).toBe(false);
    expect(queued.deliveredTo).toBe('not-connected');
    const stream = agent.connect();
    streams.push(stream);
    const command = await stream.next(commandOf, 'the missed command');
    expect(command.id).toBe(queued.id);
  });

  it('stores a chunk once when the agent sends it several times at once', async () => {
    const agent = await enrolledAgent();
    const { id } = await requestScan(agent.hostId);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        agent.upload(chunk(id, 0, 2, { findings: [VULNERABLE_JAR] })),
      ),
    );
    expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
    expect(answers.every((a) => a.chunksReceived === 1 && !a.complete)).toBe(true);
    expect(await agent.upload(chunk(id, 1, 2))).toMatchObject({ duplicate: false, complete: true });
    await scanIngested(controller, agent.hostId, id);
    expect((await getHost(agent.hostId)).findings).toHaveLength(1);
  });

  it('refuses malformed and oversized uploads with INVALID_ARGUMENT and keeps serving', async () => {
    const agent = await enrolledAgent();
    await expect(agent.upload(chunk('not-a-uuid', 0, 1))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    const tooMany = Array.from({ length: 501 }, () => VULNERABLE_JAR);
    await expect(
      agent.upload(chunk(randomUUID(), 0, 1, { findings: tooMany })),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('501 findings'),
    });
    await expect(
      agent.upload(
        chunk(randomUUID(), 0, 1, { findings: [{ ...VULNERABLE_JAR, status: 'pwned' }] }),
      ),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(agent.upload(chunk(randomUUID(), 0, 1))).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });

    const stream = await connected(agent);
    stream.send(update('bogus', CommandState.COMMAND_STATE_STARTED));
    expect(await stream.end()).toMatchObject({ code: status.INVALID_ARGUMENT });

    const { id } = await requestScan(agent.hostId);
    expect(await agent.upload(chunk(id, 0, 1))).toMatchObject({ duplicate: false, complete: true });
  });

  it('answers RESOURCE_EXHAUSTED for a message over 4 MB', async () => {
    const agent = await enrolledAgent();
    const huge = {
      ...VULNERABLE_JAR,
      evidence: Array.from({ length: 9 }, () => 'x'.repeat(500_000)),
    };
    await expect(
      agent.upload(chunk(randomUUID(), 0, 1, { findings: [huge] })),
    ).rejects.toMatchObject({ code: status.RESOURCE_EXHAUSTED });
  });

  it('rejects calls without a valid credential as UNAUTHENTICATED', async () => {
    const agent = await enrolledAgent();
    await expect(
      agent.upload(chunk(randomUUID(), 0, 1), agent.metadata(`${agent.agentId}.${'0'.repeat(64)}`)),
    ).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    const stream = agent.connect(agent.metadata('garbage'));
    streams.push(stream);
    expect(await stream.end()).toMatchObject({ code: status.UNAUTHENTICATED });
  });

  it('refuses enrollment with a spent, revoked or unknown token', async () => {
    const token = await enrollmentToken({ maxUses: 1 });
    const first = new TestAgent(controller.grpcAddress);
    const second = new TestAgent(controller.grpcAddress);
    agents.push(first, second);
    await first.enroll(token);
    await expect(second.enroll(token)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    await expect(second.enroll(`l4fe_${'0'.repeat(16)}_${'0'.repeat(64)}`)).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
    });
    await expect(
      second.enroll(await enrollmentToken(), TestAgent.facts({ machineId: '' })),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it("re-enrolling a machine with its agent's credential keeps its host and revokes the old agent", async () => {
    const facts = TestAgent.facts();
    const before = new TestAgent(controller.grpcAddress);
    const after = new TestAgent(controller.grpcAddress);
    agents.push(before, after);
    await before.enroll(await enrollmentToken(), facts);
    await after.enroll(await enrollmentToken(), facts, `${before.agentId}.${before.secret}`);
    expect(after.hostId).toBe(before.hostId);
    expect(after.agentId).not.toBe(before.agentId);
    await expect(before.upload(chunk(randomUUID(), 0, 1))).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
      details: expect.stringContaining(`replaced by agent ${after.agentId}`),
    });
  });

  it('enrolls one host and one agent when the same machine enrolls twice at once', async () => {
    const facts = TestAgent.facts();
    // Two tokens: with one, the row lock on the token would serialize the two enrollments.
    const tokens = [await enrollmentToken(), await enrollmentToken()];
    const pair = [new TestAgent(controller.grpcAddress), new TestAgent(controller.grpcAddress)];
    agents.push(...pair);
    const outcomes = await Promise.allSettled(pair.map((a, i) => a.enroll(tokens[i], facts)));
    // The second one would replace the first one's agent without proof (H1).
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({
      reason: { code: status.FAILED_PRECONDITION },
    });
    const hosts = await controller
      .http()
      .get('/api/v1/hosts')
      .query({ pageSize: 500 })
      .set('Authorization', `Bearer ${admin}`);
    expect(
      hosts.body.items.filter((h: { machineId: string }) => h.machineId === facts.machineId),
    ).toHaveLength(1);
  });

  it("replaces an agent's stream with its newer one", async () => {
    const agent = await enrolledAgent();
    const older = await connected(agent);
    await connected(agent);
    expect(await older.end()).toMatchObject({ code: status.ABORTED });
  });

  it('stores each host its own facts when many agents say hello at once', async () => {
    const fleet = await Promise.all([0, 1, 2, 3, 4].map(() => enrolledAgent()));
    const enrolled = await Promise.all(fleet.map((a) => getHost(a.hostId)));
    const open = await Promise.all(fleet.map((a) => connected(a)));
    const hello = (agentVersion: string, host?: ReturnType<typeof TestAgent.facts>) => ({
      kind: { $case: 'hello' as const, value: { agentVersion, startedAtMs: Date.now(), host } },
    });
    // Sent together, so they are written together; the last agent says hello twice, and the
    // first sends no facts (its host keeps the enrolled ones).
    open[0].send(hello('1.0.0'));
    for (let i = 1; i < open.length; i++)
      open[i].send(
        hello(`1.0.${i}`, TestAgent.facts({ hostname: `batch-${i}`, kernel: `6.${i}` })),
      );
    open[4].send(hello('1.1.4', TestAgent.facts({ hostname: 'batch-4-again', arch: 'aarch64' })));

    await eventually(async () => {
      const hosts = await Promise.all(fleet.map((a) => getHost(a.hostId)));
      return hosts.every((h) => h.agents[0]?.version.startsWith('1.')) &&
        hosts[4].agents[0].version === '1.1.4'
        ? hosts
        : undefined;
    }, 'every hello stored').then((hosts) => {
      expect(hosts[0].host.hostname).toBe(enrolled[0].host.hostname);
      expect(hosts[0].agents[0].version).toBe('1.0.0');
      for (const i of [1, 2, 3]) {
        expect(hosts[i].host).toMatchObject({ hostname: `batch-${i}`, kernel: `6.${i}` });
        expect(hosts[i].agents[0].version).toBe(`1.0.${i}`);
      }
      expect(hosts[4].host).toMatchObject({ hostname: 'batch-4-again', arch: 'aarch64' });
      hosts.forEach((h, i) => {
        // Facts never change the enrolled machine id; every host was seen at its hello.
        expect(h.host.machineId).toBe(enrolled[i].host.machineId);
        expect(h.host.lastSeenAt! >= enrolled[i].host.lastSeenAt!).toBe(true);
        expect(h.agents[0].lastSeenAt).not.toBeNull();
      });
    });
  });

  it('refuses a chunk whose total differs from the one its command announced first', async () => {
    const agent = await enrolledAgent();
    await connected(agent);
    const command = await requestScan(agent.hostId);
    expect(await agent.upload(chunk(command.id, 0, 2))).toMatchObject({ complete: false });
    await expect(agent.upload(chunk(command.id, 1, 3))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/total_chunks 3 differs from the 2 announced before/),
    });
    expect(await agent.upload(chunk(command.id, 1, 2))).toEqual({
      duplicate: false,
      chunksReceived: 2,
      complete: true,
    });
  });

  describe('D1: an agent reports a command cancelled or expired', () => {
    const acks = (stream: AgentStream) =>
      stream.received.filter((m) => m.kind?.$case === 'heartbeatAck').length;

    /** The stream still serves: a heartbeat sent after the reports is answered (in order). */
    async function stillServes(stream: AgentStream): Promise<void> {
      const before = acks(stream);
      stream.send({
        kind: {
          $case: 'heartbeat',
          value: { sentAtMs: Date.now(), runningCommands: 0, outboxChunks: 0 },
        },
      });
      await stream.next(() => (acks(stream) > before ? true : undefined), 'a heartbeat ack');
      expect(stream.ended).toBeNull();
    }

    async function deliveredScan(agent: TestAgent, stream: AgentStream): Promise<string> {
      const { id } = await requestScan(agent.hostId);
      await stream.next((m) => (commandOf(m)?.id === id ? id : undefined), 'the scan');
      stream.send(update(id, CommandState.COMMAND_STATE_DELIVERED));
      await eventually(
        async () => ((await getCommand(id)).state === 'delivered' ? true : undefined),
        'command delivered',
      );
      return id;
    }

    it('a command the controller cancelled ends cancelled; the stream stays open, also when the agent repeats it on its next stream', async () => {
      const agent = await enrolledAgent();
      const stream = await connected(agent);
      const id = await deliveredScan(agent, stream);
      expect(await controller.app.get(CommandsService).cancel(id, 'admin')).toBe(true);
      stream.send(update(id, CommandState.COMMAND_STATE_CANCELLED));
      await stillServes(stream);
      // The agent sends an unconfirmed final state again on every new stream.
      stream.close();
      const next = await connected(agent);
      next.send(update(id, CommandState.COMMAND_STATE_CANCELLED));
      await stillServes(next);
      expect((await getCommand(id)).state).toBe('cancelled');
    });

    it('a command the agent had started when the cancel reached it ends cancelled', async () => {
      const agent = await enrolledAgent();
      const stream = await connected(agent);
      const id = await deliveredScan(agent, stream);
      stream.send(update(id, CommandState.COMMAND_STATE_STARTED));
      stream.send(update(id, CommandState.COMMAND_STATE_CANCELLED));
      await stillServes(stream);
      expect((await getCommand(id)).state).toBe('cancelled');
    });

    it('a command the agent let expire ends expired', async () => {
      const agent = await enrolledAgent();
      const stream = await connected(agent);
      const id = await deliveredScan(agent, stream);
      stream.send(update(id, CommandState.COMMAND_STATE_EXPIRED));
      await stillServes(stream);
      expect((await getCommand(id)).state).toBe('expired');
    });

    it('ignores a report that cannot apply (a final state after success, a state no agent reports) and keeps the stream', async () => {
      const agent = await enrolledAgent();
      const stream = await connected(agent);
      const id = await deliveredScan(agent, stream);
      stream.send(update(id, CommandState.COMMAND_STATE_STARTED));
      stream.send(update(id, CommandState.COMMAND_STATE_SUCCEEDED, 1));
      stream.send(update(id, CommandState.COMMAND_STATE_CANCELLED));
      stream.send(update(id, CommandState.COMMAND_STATE_EXPIRED));
      stream.send(update(id, CommandState.COMMAND_STATE_VERIFIED));
      stream.send(update(id, CommandState.COMMAND_STATE_QUEUED));
      await stillServes(stream);
      expect((await getCommand(id)).state).toBe('succeeded');
    });
  });

  it('cuts a revoked agent off at once', async () => {
    const agent = await enrolledAgent();
    const stream = await connected(agent);
    const res = await controller
      .http()
      .post(`/api/v1/agents/${agent.agentId}/revoke`)
      .set('Authorization', `Bearer ${admin}`);
    expect(res.status).toBe(200);
    expect(await stream.end()).toMatchObject({ code: status.PERMISSION_DENIED });
    await expect(agent.upload(chunk(randomUUID(), 0, 1))).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    expect(await agent.connect().end()).toMatchObject({ code: status.PERMISSION_DENIED });
  });
});
