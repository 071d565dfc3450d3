import { randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  createStorage,
  newAdminToken,
  Storage,
  waitFor,
  waitUntil,
} from './campaigns-support/harness';
import { SimAgent } from './campaigns-support/sim-agent';
import {
  buildController,
  ControllerProcess,
  freePort,
  OwnRedis,
  removeBuild,
} from './cluster-support/processes';

jest.setTimeout(240_000);

/**
 * Two real controller processes (A and B) and a worker process (ROLE=worker) built from the
 * sources, on one PostgreSQL database and a redis-server of the test's own.
 */
describe('several controller processes behave as one', () => {
  let build: string;
  let redis: OwnRedis;
  let storage: Storage;
  let a: ControllerProcess;
  let b: ControllerProcess;
  let worker: ControllerProcess;
  const adminToken = newAdminToken();
  const agents: SimAgent[] = [];

  async function processEnv(): Promise<Record<string, string>> {
    return {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(await freePort()),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(await freePort()),
      GRPC_INSECURE: '1',
      REDIS_URL: redis.url,
      LOG4FLEET_ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
      CAMPAIGN_MONITOR_MS: '300',
      CLUSTER_HEARTBEAT_MS: '500',
      JOB_LOCK_MS: '3000',
      ...storage.env,
    };
  }

  beforeAll(async () => {
    build = buildController();
    redis = new OwnRedis(await freePort());
    await redis.start();
    storage = await createStorage('postgres');
    a = new ControllerProcess(build, await processEnv());
    await a.start();
    b = new ControllerProcess(build, await processEnv());
    worker = new ControllerProcess(build, await processEnv(), 'worker');
    await Promise.all([b.start(), worker.start()]);
  });

  afterAll(async () => {
    agents.forEach((agent) => agent.close());
    await Promise.allSettled([a?.stop(), b?.stop(), worker?.stop()]);
    await redis?.dispose();
    await storage?.dispose();
    if (build) removeBuild(build);
  });

  const api = (p: ControllerProcess) => ({
    get: (path: string) =>
      request(p.httpUrl).get(`/api/v1${path}`).set('Authorization', `Bearer ${adminToken}`),
    post: (path: string, body: object) =>
      request(p.httpUrl)
        .post(`/api/v1${path}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .send(body),
  });

  async function agentsOn(
    p: ControllerProcess,
    count: number,
    tag: string,
    failover: ControllerProcess[] = [],
  ): Promise<SimAgent[]> {
    const res = await api(p).post('/enrollment-tokens', {
      name: `t-${randomBytes(3).toString('hex')}`,
      maxUses: count,
      tags: [tag],
    });
    expect(res.status).toBe(201);
    const made: SimAgent[] = [];
    for (let i = 0; i < count; i++) {
      const agent = new SimAgent([p.grpcAddress, ...failover.map((f) => f.grpcAddress)], 'succeed');
      agents.push(agent);
      made.push(agent);
      await agent.enroll((res.body as { token: string }).token);
      await agent.connect();
    }
    return made;
  }

  const commandState = async (p: ControllerProcess, id: string) =>
    ((await api(p).get(`/commands/${id}`)).body as { state: string }).state;

  it('pushes a command created on B to an agent connected to A, through A', async () => {
    const [agent] = await agentsOn(a, 1, 'cluster:push');
    // Let A's directory write reach Redis (batched every 50 ms).
    await new Promise((r) => setTimeout(r, 200));
    const res = await api(b).post(`/hosts/${agent.hostId}/scans`, { paths: ['/srv'] });
    expect(res.status).toBe(201);
    const command = res.body as { id: string; pushed: boolean; deliveredTo: string };
    expect(command.pushed).toBe(false);
    // The REST answer says the command reached the agent, through the process holding its stream.
    expect(command.deliveredTo).toBe('another-process');
    await waitUntil(
      () => agent.commands.includes(command.id),
      'the agent on A to receive the command created on B',
    );
    const here = await api(a).post(`/hosts/${agent.hostId}/scans`, { paths: ['/srv'] });
    expect(here.body).toMatchObject({ pushed: true, deliveredTo: 'local' });
    await waitFor(
      async () => ((await commandState(b, command.id)) === 'succeeded' ? true : undefined),
      'the command to succeed',
    );
  });

  it("routes an operator's inventory refresh asked on B to the agent connected to A", async () => {
    const [agent] = await agentsOn(a, 1, 'cluster:inventory');
    // Let A's directory write reach Redis (batched every 50 ms).
    await new Promise((r) => setTimeout(r, 200));
    const res = await api(b).post(`/hosts/${agent.hostId}/inventory/refresh`, {});
    expect(res.status).toBe(202);
    const refresh = res.body as { requestId: string; deliveredTo: string; reachedAgent: boolean };
    expect(refresh).toMatchObject({ deliveredTo: 'another-process', reachedAgent: true });
    await waitUntil(
      () => agent.inventoryRequests.includes(refresh.requestId),
      'the agent on A to receive the inventory request asked on B',
    );
  });

  it('delivers a command created on B in the moment before A has published that it holds the agent', async () => {
    const [agent] = await agentsOn(a, 1, 'cluster:race');
    // No wait: A's directory write (batched every 50 ms) may not be in Redis yet, so B finds
    // no holder and the command stays queued until A publishes and pushes what is pending.
    const res = await api(b).post(`/hosts/${agent.hostId}/scans`, { paths: ['/srv'] });
    expect(res.status).toBe(201);
    const command = res.body as { id: string };
    await waitUntil(
      () => agent.commands.includes(command.id),
      'the agent on A to receive the command B created before the directory knew it',
    );
  });

  it('runs a campaign created on B over agents on A and B, dispatched by any process, to 100%', async () => {
    const tag = 'cluster:campaign';
    await agentsOn(a, 3, tag);
    await agentsOn(b, 3, tag);
    const res = await api(b).post('/campaigns', { selector: { tags: [tag] } });
    expect(res.status).toBe(202);
    const id = (res.body as { id: string }).id;
    let last: unknown;
    const done = await waitFor(
      async () => {
        const body = (await api(a).get(`/campaigns/${id}`)).body as {
          status: string;
          coverage: { succeeded: number };
        };
        last = body;
        return body.status === 'completed' ? body : undefined;
      },
      'the campaign to complete',
      600,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last campaign state: ${JSON.stringify(last)}`);
    });
    expect(done.coverage.succeeded).toBe(6);
  });

  it('finishes a campaign when the process holding half the agents is killed mid-way (they reconnect to B)', async () => {
    const tag = 'cluster:failover';
    const onA = await agentsOn(a, 4, tag, [b]);
    await agentsOn(b, 4, tag);
    for (const agent of onA) agent.behavior = 'silent';
    const res = await api(b).post('/campaigns', { selector: { tags: [tag] }, pacePerSecond: 4 });
    expect(res.status).toBe(202);
    const id = (res.body as { id: string }).id;
    // A's agents hold their commands (delivered) without running them: then A dies.
    await waitUntil(
      () => onA.some((agent) => agent.commands.length > 0),
      'a command on an agent of A',
    );
    await a.stop('SIGKILL');
    for (const agent of onA) agent.behavior = 'succeed';
    // Commands not started are sent again on reconnect to B; an agent runs each once.
    for (const agent of onA) agent.commands.length = 0;
    let last: unknown;
    const done = await waitFor(
      async () => {
        const body = (await api(b).get(`/campaigns/${id}`)).body as {
          status: string;
          coverage: { succeeded: number };
        };
        last = body;
        return body.status === 'completed' ? body : undefined;
      },
      'the campaign to complete on B',
      900,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last campaign state: ${JSON.stringify(last)}`);
    });
    expect(done.coverage.succeeded).toBe(8);
    expect(onA.every((agent) => agent.connectedTo === b.grpcAddress)).toBe(true);
  });
});
