import { randomUUID } from 'node:crypto';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  AGENT_REVOKED_TRAILER,
  CommandState,
  ControllerMessage,
  ENROLL_REFUSED_TRAILER,
} from '@log4fleet/contracts';
import { CommandsService } from '../src/commands/commands.service';
import { AgentStream, eventually, TestAgent } from './support/agent-client';
import { startTestController, TestController, TestDatabase } from './support/test-controller';

// Issue 12 H1 (a token took over any host), the revoked agent that was never told why, and the
// commands a replaced agent left queued.

const commandOf = (m: ControllerMessage) =>
  m.kind?.$case === 'command' ? m.kind.value : undefined;

const revokedReason = (error: ServiceError | 'ok'): string | undefined =>
  error === 'ok' ? undefined : String(error.metadata?.get(AGENT_REVOKED_TRAILER)[0] ?? '');

interface TokenDto {
  id: string;
  token: string;
  uses: number;
  replaceHostId: string | null;
}

describe.each<TestDatabase>(['sqlite', 'postgres'])('agent replacement on %s', (database) => {
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

  const api = (method: 'get' | 'post', path: string, token = admin) =>
    controller.http()[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  async function createToken(body: Record<string, unknown> = {}): Promise<TokenDto> {
    const res = await api('post', '/enrollment-tokens').send({ name: 'fleet', ...body });
    expect(res.status).toBe(201);
    return res.body as TokenDto;
  }

  const tokenUses = async (id: string): Promise<number> =>
    ((await api('get', `/enrollment-tokens/${id}`)).body as TokenDto).uses;

  function newAgent(): TestAgent {
    const agent = new TestAgent(controller.grpcAddress);
    agents.push(agent);
    return agent;
  }

  async function connected(agent: TestAgent): Promise<AgentStream> {
    const stream = agent.connect();
    streams.push(stream);
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

  async function scan(hostId: string): Promise<{ id: string }> {
    const res = await api('post', `/hosts/${hostId}/scans`, operator).send({ paths: ['/opt'] });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  }

  const command = async (id: string) =>
    (await api('get', `/commands/${id}`)).body as { state: string; agentId: string };

  const audit = async (action: string, hostId: string) =>
    (
      (await api('get', '/audit').query({ action, hostId })).body as {
        items: Array<{ details: Record<string, unknown> }>;
      }
    ).items;

  /** Counts the pending-command reads made for one agent, and waits for them to finish. */
  function pendingReadsOf(agentId: string) {
    const commands = controller.app.get(CommandsService);
    const original = commands.pendingFor.bind(commands);
    const reads: Array<Promise<unknown>> = [];
    const spy = jest.spyOn(commands, 'pendingFor').mockImplementation((id) => {
      const read = original(id);
      if (id === agentId) reads.push(read.catch(() => undefined));
      return read;
    });
    return {
      async settled(count: number): Promise<void> {
        await eventually(
          () => Promise.resolve(reads.length >= count ? true : undefined),
          'pending reads',
        );
        await Promise.all(reads);
        spy.mockRestore();
      },
    };
  }

  async function roundTrip(stream: AgentStream): Promise<void> {
    const acks = () => stream.received.filter((m) => m.kind?.$case === 'heartbeatAck').length;
    const before = acks();
    stream.send({
      kind: {
        $case: 'heartbeat',
        value: { sentAtMs: Date.now(), runningCommands: 0, outboxChunks: 0 },
      },
    });
    await stream.next(() => (acks() > before ? true : undefined), 'a second heartbeat ack');
  }

  /** A host with an enrolled agent whose stream is open. */
  async function victim() {
    const facts = TestAgent.facts({ hostname: 'victim' });
    const agent = newAgent();
    await agent.enroll((await createToken()).token, facts);
    return { agent, facts, stream: await connected(agent) };
  }

  it('H1: an enrollment token does not take over a host whose agent is active', async () => {
    const { agent, facts, stream } = await victim();
    const token = await createToken();
    const attacker = newAgent();
    const error = await attacker.enroll(token.token, { ...facts, hostname: 'attacker' }).then(
      () => undefined,
      (e: ServiceError) => e,
    );
    expect(error).toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining(`host ${agent.hostId}`),
    });
    // The agent reads why from the trailer, to tell its user what to do.
    expect(error?.metadata.get(ENROLL_REFUSED_TRAILER)).toEqual(['active-agent']);
    // A wrong credential is no proof either.
    await expect(
      attacker.enroll(token.token, facts, `${agent.agentId}.${'0'.repeat(64)}`),
    ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });

    expect(await tokenUses(token.id)).toBe(0);
    const host = (await api('get', `/hosts/${agent.hostId}`)).body as {
      host: { hostname: string };
      agents: Array<{ id: string; revoked: boolean }>;
    };
    expect(host.host.hostname).toBe('victim');
    expect(host.agents.map((a) => [a.id, a.revoked])).toEqual([[agent.agentId, false]]);
    // The real agent keeps its stream and receives the host's next scan.
    const created = await scan(agent.hostId);
    expect((await stream.next(commandOf, 'the scan')).id).toBe(created.id);
    expect(stream.ended).toBeNull();
    const refused = await audit('agent.enroll_refused', agent.hostId);
    expect(refused).toHaveLength(2);
    expect(refused[0].details).toMatchObject({ reason: 'active-agent', tokenId: token.id });
  });

  it('H1: a replacement token made by an admin replaces the agent, which is told why', async () => {
    const { agent, facts, stream } = await victim();
    expect(
      (
        await api('post', '/enrollment-tokens', operator).send({
          name: 'x',
          replaceHostId: agent.hostId,
        })
      ).status,
    ).toBe(403);
    expect(
      (await api('post', '/enrollment-tokens').send({ name: 'x', replaceHostId: randomUUID() }))
        .status,
    ).toBe(404);
    const replacement = await createToken({ replaceHostId: agent.hostId });
    expect(replacement.replaceHostId).toBe(agent.hostId);

    // Only for that host's machine: another machine cannot use it, and it stays unused.
    await expect(newAgent().enroll(replacement.token)).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    expect(await tokenUses(replacement.id)).toBe(0);

    const successor = newAgent();
    await successor.enroll(replacement.token, facts);
    expect(successor.hostId).toBe(agent.hostId);
    const ended = await stream.end();
    expect(ended).toMatchObject({ code: status.PERMISSION_DENIED });
    expect(revokedReason(ended)).toMatch(new RegExp(`^replaced by agent ${successor.agentId} at `));
    const again = await agent.connect().end();
    expect(again).toMatchObject({ code: status.PERMISSION_DENIED });
    expect(revokedReason(again)).toMatch(/^replaced by agent /);
    expect((await audit('agent.enrolled', agent.hostId)).at(0)?.details).toMatchObject({
      revokedAgents: [agent.agentId],
      replacedWith: 'replacement-token',
    });
  });

  it("H1: the current agent's credential proves a re-enrollment", async () => {
    const { agent, facts } = await victim();
    const successor = newAgent();
    await successor.enroll(
      (await createToken()).token,
      { ...facts, hostname: 'reinstalled' },
      `${agent.agentId}.${agent.secret}`,
    );
    expect(successor.hostId).toBe(agent.hostId);
    await connected(successor);
  });

  it('H1: a machine whose agents are all revoked enrolls with a normal token', async () => {
    const { agent, facts, stream } = await victim();
    expect((await api('post', `/agents/${agent.agentId}/revoke`)).status).toBe(200);
    const ended = await stream.end();
    expect(revokedReason(ended)).toMatch(/^revoked by .* at /);
    const successor = newAgent();
    await successor.enroll((await createToken()).token, facts);
    expect(successor.hostId).toBe(agent.hostId);
  });

  it("a replaced agent's commands not started yet go to the host's new agent, with their ids", async () => {
    const { agent, facts, stream } = await victim();
    const delivered = await scan(agent.hostId);
    await stream.next(commandOf, 'the first scan');
    stream.send({
      kind: {
        $case: 'update',
        value: {
          commandId: delivered.id,
          state: CommandState.COMMAND_STATE_DELIVERED,
          message: '',
          atMs: Date.now(),
          totalChunks: 0,
        },
      },
    });
    await eventually(
      async () => ((await command(delivered.id)).state === 'delivered' ? true : undefined),
      'the first scan delivered',
    );
    stream.close();
    await stream.end();
    const queued = await scan(agent.hostId);

    const successor = newAgent();
    await successor.enroll((await createToken({ replaceHostId: agent.hostId })).token, facts);
    for (const id of [delivered.id, queued.id])
      expect(await command(id)).toMatchObject({ state: 'queued', agentId: successor.agentId });
    const reads = pendingReadsOf(successor.agentId);
    const next = await connected(successor);
    await next.next((m) => (commandOf(m)?.id === queued.id ? true : undefined), 'the queued scan');
    await next.next((m) => (commandOf(m)?.id === delivered.id ? true : undefined), 'the other');
    // Both pushes of what is pending (the connect's and the one after the directory publish)
    // have run; a heartbeat answered after them proves the stream carries all they sent.
    await reads.settled(2);
    await roundTrip(next);
    const pushed = next.received.map(commandOf).filter((c) => c !== undefined);
    expect(pushed.map((c) => c.id).sort()).toEqual([delivered.id, queued.id].sort());
    const reassigned = await audit('command.reassigned', agent.hostId);
    expect(reassigned.map((e) => e.details['commandId']).sort()).toEqual(
      [delivered.id, queued.id].sort(),
    );
    expect(reassigned[0].details).toMatchObject({
      fromAgentId: agent.agentId,
      toAgentId: successor.agentId,
    });
  });
});
