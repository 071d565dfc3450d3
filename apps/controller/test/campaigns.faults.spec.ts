import request from 'supertest';
import {
  CampaignTestController,
  startCampaignController,
  waitFor,
  waitUntil,
} from './campaigns-support/harness';
import { SimAgent, VULNERABLE_FINDING } from './campaigns-support/sim-agent';
import { freePort, OwnRedis } from './cluster-support/processes';

jest.setTimeout(180_000);

/** Redis (the test's own, append-only) dies and comes back in the middle of a paced campaign. */
describe('a campaign survives a Redis restart', () => {
  let redis: OwnRedis;
  let controller: CampaignTestController;
  const agents: SimAgent[] = [];

  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
    controller = await startCampaignController({ redisUrl: redis.url });
  });

  afterAll(async () => {
    agents.forEach((a) => a.close());
    await controller?.dispose();
    await redis?.dispose();
  });

  const get = (path: string) =>
    request(controller.httpUrl)
      .get(`/api/v1${path}`)
      .set('Authorization', `Bearer ${controller.adminToken}`);

  it('completes every host once: no command created twice, no result stored twice', async () => {
    const token = await controller
      .http()
      .post('/api/v1/enrollment-tokens')
      .set('Authorization', `Bearer ${controller.adminToken}`)
      .send({ name: 'faults', maxUses: 10, tags: ['fault:redis'] });
    for (let i = 0; i < 8; i++) {
      const agent = new SimAgent([controller.grpcAddress], 'succeed', [VULNERABLE_FINDING]);
      agents.push(agent);
      await agent.enroll((token.body as { token: string }).token);
      await agent.connect();
    }
    const created = await controller
      .http()
      .post('/api/v1/campaigns')
      .set('Authorization', `Bearer ${controller.adminToken}`)
      .send({ selector: { tags: ['fault:redis'] }, pacePerSecond: 2 });
    expect(created.status).toBe(202);
    const id = (created.body as { id: string }).id;

    await waitUntil(
      () => agents.filter((a) => a.uploads.length > 0).length >= 2,
      'two hosts done before the outage',
    );
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();

    const done = await waitFor(
      async () => {
        const res = await get(`/campaigns/${id}`);
        const body = res.body as {
          status: string;
          coverage: { succeeded: number };
          findings: {
            hostsVulnerable: number;
            byCve: Array<{ cve: string; hosts: number; findings: number }>;
          };
        };
        // Results are ingested by a queue job after the upload: wait for every host's too.
        return res.status === 200 &&
          body.status === 'completed' &&
          body.findings.hostsVulnerable >= 8
          ? body
          : undefined;
      },
      'the campaign to complete after the restart',
      900,
    );
    expect(done.coverage.succeeded).toBe(8);
    expect(done.findings.hostsVulnerable).toBe(8);
    expect(done.findings.byCve.find((c) => c.cve === 'CVE-2021-44228')).toEqual({
      cve: 'CVE-2021-44228',
      hosts: 8,
      findings: 8,
    });
    for (const agent of agents) {
      const commands = (await get(`/hosts/${agent.hostId}/commands`)).body as unknown[];
      expect(commands).toHaveLength(1);
      const findings = (await get(`/findings?hostId=${agent.hostId}`)).body as { total: number };
      expect(findings.total).toBe(1);
    }
  });
});
