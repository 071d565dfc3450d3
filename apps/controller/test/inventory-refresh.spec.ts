import { ControllerMessage } from '@log4fleet/contracts';
import { baseSnapshot, vulnerableJvm } from '../src/inventory/inventory-fixtures';
import { AgentStream, TestAgent } from './support/agent-client';
import { reportInventory } from './support/inventory-client';
import { seedHost } from './support/seed';
import {
  startTestController,
  type TestController,
  type TestDatabase,
} from './support/test-controller';

// Issue 14: the JVM view went stale (the snapshot of the last connect, or of 6 h ago) with no way
// to refresh it. An operator asks the host now; the agent answers with a snapshot.

const inventoryRequestOf = (m: ControllerMessage) =>
  m.kind?.$case === 'inventoryRequest' ? m.kind.value : undefined;

interface RefreshDto {
  hostId: string;
  agentId: string;
  requestId: string;
  requestedAt: string;
  deliveredTo: string;
  reachedAgent: boolean;
  previousSnapshotId: string | null;
}

describe.each<TestDatabase>(['sqlite', 'postgres'])('inventory refresh on %s', (database) => {
  let c: TestController;
  let operator: string;
  let viewer: string;
  const agents: TestAgent[] = [];
  const streams: AgentStream[] = [];

  beforeAll(async () => {
    c = await startTestController({ database, env: { INVENTORY_REPORTS_PER_HOUR: '2' } });
    operator = await c.tokenFor('operator');
    viewer = await c.tokenFor('viewer');
  });

  afterAll(async () => {
    streams.forEach((s) => s.close());
    agents.forEach((a) => a.close());
    await c?.close();
  });

  async function host(): Promise<TestAgent> {
    const agent = await seedHost(c);
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
    await stream.next((m) => (m.kind?.$case === 'heartbeatAck' ? true : undefined), 'an ack');
    return stream;
  }

  const refresh = (hostId: string, token: string | null = operator) => {
    const req = c.http().post(`/api/v1/hosts/${hostId}/inventory/refresh`);
    return token === null ? req : req.set('Authorization', `Bearer ${token}`);
  };

  const get = (path: string) =>
    c.http().get(`/api/v1${path}`).set('Authorization', `Bearer ${operator}`);

  it('asks the connected agent now; its snapshot becomes what /processes shows; audited', async () => {
    const agent = await host();
    const old = await reportInventory(agent, {
      snapshot: baseSnapshot({ jvms: [] }),
      collectedAtMs: Date.now() - 60_000,
    });
    expect((await get(`/hosts/${agent.hostId}/processes`)).body.jvms).toEqual([]);
    const stream = await connected(agent);

    const res = await refresh(agent.hostId);
    expect(res.status).toBe(202);
    const answer = res.body as RefreshDto;
    expect(answer).toMatchObject({
      hostId: agent.hostId,
      agentId: agent.agentId,
      deliveredTo: 'local',
      reachedAgent: true,
      previousSnapshotId: old.snapshotId,
    });
    const request = await stream.next(inventoryRequestOf, 'the inventory request');
    expect(request.requestId).toBe(answer.requestId);
    expect(request.requestedAtMs).toBe(Date.parse(answer.requestedAt));

    // The agent answers as the real one does: a snapshot by ReportInventory.
    const fresh = await reportInventory(agent, {
      snapshot: baseSnapshot({ jvms: [vulnerableJvm({ pid: 7777 })] }),
      collectedAtMs: Date.now(),
    });
    const processes = (await get(`/hosts/${agent.hostId}/processes`)).body as {
      snapshotId: string;
      jvms: Array<{ pid: number }>;
    };
    expect(processes.snapshotId).toBe(fresh.snapshotId);
    expect(processes.snapshotId).not.toBe(answer.previousSnapshotId);
    expect(processes.jvms.map((j) => j.pid)).toEqual([7777]);

    const audit = await get('/audit').query({
      action: 'inventory.refresh_requested',
      hostId: agent.hostId,
    });
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        actor: expect.any(String),
        details: { agentId: agent.agentId, requestId: answer.requestId, deliveredTo: 'local' },
      }),
    ]);
  });

  it('says so when the agent is not connected', async () => {
    const agent = await host();
    const res = await refresh(agent.hostId);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      deliveredTo: 'not-connected',
      reachedAgent: false,
      previousSnapshotId: null,
    });
  });

  it('refuses a request the agent could not answer within INVENTORY_REPORTS_PER_HOUR (429, saying when)', async () => {
    const agent = await host();
    const stream = await connected(agent);
    for (let i = 0; i < 2; i++)
      await reportInventory(agent, { snapshot: baseSnapshot(), collectedAtMs: Date.now() - i });
    const res = await refresh(agent.hostId);
    expect(res.status).toBe(429);
    expect(res.body.message).toMatch(/at most 2, INVENTORY_REPORTS_PER_HOUR\); retry after \d+ s/);
    // Nothing was sent to the agent: a heartbeat answered after the refusal comes alone.
    stream.send({
      kind: {
        $case: 'heartbeat',
        value: { sentAtMs: Date.now(), runningCommands: 0, outboxChunks: 0 },
      },
    });
    await stream.next(
      () =>
        stream.received.filter((m) => m.kind?.$case === 'heartbeatAck').length >= 2
          ? true
          : undefined,
      'a second ack',
    );
    expect(stream.received.map(inventoryRequestOf).filter(Boolean)).toEqual([]);
  });

  it('needs an operator token (401 without one, 403 for a viewer), a known host, an active agent', async () => {
    const agent = await host();
    expect((await refresh(agent.hostId, null)).status).toBe(401);
    expect((await refresh(agent.hostId, viewer)).status).toBe(403);
    expect((await refresh('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await refresh('not-a-uuid')).status).toBe(400);
    const revoke = await c
      .http()
      .post(`/api/v1/agents/${agent.agentId}/revoke`)
      .set('Authorization', `Bearer ${c.adminToken}`);
    expect(revoke.status).toBe(200);
    const res = await refresh(agent.hostId);
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/no active agent/);
  });

  it('is documented in the OpenAPI document (summary, 202 schema, 401/403)', async () => {
    const doc = (await c.http().get('/api/docs-json')).body as {
      paths: Record<string, Record<string, { summary?: string; responses: object }>>;
    };
    const op = doc.paths['/api/v1/hosts/{id}/inventory/refresh']?.['post'];
    expect(op?.summary).toMatch(/fresh inventory/);
    expect(Object.keys(op?.responses ?? {})).toEqual(
      expect.arrayContaining(['202', '401', '403', '404', '409', '429']),
    );
    expect(op?.responses).toMatchObject({
      '202': { content: { 'application/json': { schema: { $ref: expect.any(String) } } } },
    });
  });
});
