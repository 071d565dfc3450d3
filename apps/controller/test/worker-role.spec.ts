import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createStorage, newAdminToken, Storage, waitFor } from './campaigns-support/harness';
import { SimAgent } from './campaigns-support/sim-agent';
import {
  buildController,
  ControllerProcess,
  freePort,
  OwnRedis,
  removeBuild,
} from './cluster-support/processes';

jest.setTimeout(240_000);

const DEPLOY = join(__dirname, '..', '..', '..', 'deploy', 'controller');

/** The worker's arguments and environment names as deploy/ gives them to main.js. */
function deployedWorker(): { composeArgs: string[]; k8sArgs: string[]; composeEnv: string[] } {
  const compose = readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8');
  const worker = /\n {2}worker:\n((?: {4}.*\n)+)/.exec(compose)?.[1] ?? '';
  const composeArgs = JSON.parse(/\n {4}command: (\[.*\])/.exec(`\n${worker}`)?.[1] ?? '[]');
  const environment = /\n {4}environment:\n((?: {6}.*\n)+)/.exec(`\n${worker}`)?.[1] ?? '';
  const composeEnv = [...environment.matchAll(/^ {6}([A-Z_]+):/gm)].map((m) => m[1]);
  const k8s = readFileSync(join(DEPLOY, 'k8s', 'controller.yaml'), 'utf8');
  const k8sWorker = k8s.slice(k8s.indexOf('name: log4fleet-worker'));
  const k8sArgs = JSON.parse(/\n\s+args: (\[.*\])/.exec(k8sWorker)?.[1] ?? '[]');
  return { composeArgs, k8sArgs, composeEnv };
}

/**
 * D2: the worker as deploy/ starts it: `main.js --role worker`, no ROLE and no TLS settings in
 * its environment (a worker serves no agents). It used to stop with "gRPC needs TLS" because
 * only one of two configuration readers honoured --role.
 */
describe('D2: a worker started with --role worker (no ROLE, no TLS settings)', () => {
  let build: string;
  let redis: OwnRedis;
  let storage: Storage;
  let api: ControllerProcess;
  let worker: ControllerProcess;
  const adminToken = newAdminToken();
  const agents: SimAgent[] = [];

  beforeAll(async () => {
    build = buildController();
    redis = new OwnRedis(await freePort());
    await redis.start();
    storage = await createStorage('postgres');
  });

  afterAll(async () => {
    agents.forEach((agent) => agent.close());
    await Promise.allSettled([api?.stop(), worker?.stop()]);
    await redis?.dispose();
    await storage?.dispose();
    if (build) removeBuild(build);
  });

  it('is what deploy/ runs: compose and Kubernetes pass --role worker and no ROLE or TLS settings', () => {
    const { composeArgs, k8sArgs, composeEnv } = deployedWorker();
    expect(composeArgs).toEqual(['--role', 'worker']);
    expect(k8sArgs).toEqual(['--role', 'worker']);
    expect(composeEnv).toEqual(['DATABASE_URL', 'REDIS_URL']);
  });

  it('D3: a malformed queue setting stops the start (exit 1) with a message naming it', () => {
    const run = spawnSync(process.execPath, [join(build, 'main.js'), '--role', 'worker'], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL: redis.url, CAMPAIGN_MONITOR_MS: 'abc' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toContain(
      'CAMPAIGN_MONITOR_MS must be an integer 100-3600000, got \\"abc\\"',
    );
  });

  it('starts and runs the jobs: a campaign on an API-only replica completes through the worker', async () => {
    // The API replica runs no queue workers (RUN_WORKERS=0): fan-out and ingestion are the worker's.
    api = new ControllerProcess(build, {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(await freePort()),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(await freePort()),
      GRPC_INSECURE: '1',
      RUN_WORKERS: '0',
      REDIS_URL: redis.url,
      LOG4FLEET_ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
      ...storage.env,
    });
    await api.start();
    worker = new ControllerProcess(
      build,
      { REDIS_URL: redis.url, LOG_LEVEL: 'warn', CAMPAIGN_MONITOR_MS: '300', ...storage.env },
      'worker',
    );
    await worker.start();
    expect(worker.env).not.toHaveProperty('ROLE');

    const post = (path: string, body: object) =>
      request(api.httpUrl)
        .post(`/api/v1${path}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .send(body);
    const tag = 'worker:role';
    const token = await post('/enrollment-tokens', {
      name: `t-${randomBytes(3).toString('hex')}`,
      maxUses: 2,
      tags: [tag],
    });
    expect(token.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const agent = new SimAgent([api.grpcAddress], 'succeed');
      agents.push(agent);
      await agent.enroll((token.body as { token: string }).token);
      await agent.connect();
    }
    const created = await post('/campaigns', { selector: { tags: [tag] } });
    expect(created.status).toBe(202);
    const id = (created.body as { id: string }).id;
    let last: unknown;
    const done = await waitFor(
      async () => {
        const res = await request(api.httpUrl)
          .get(`/api/v1/campaigns/${id}`)
          .set('Authorization', `Bearer ${adminToken}`);
        last = res.body;
        const body = res.body as { status: string; coverage: { succeeded: number } };
        return body.status === 'completed' ? body : undefined;
      },
      'the campaign to complete',
      600,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last: ${JSON.stringify(last)}; worker: ${worker.output}`);
    });
    expect(done.coverage.succeeded).toBe(2);
  });
});
