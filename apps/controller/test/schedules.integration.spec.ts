import { campaignCommandId } from '../src/campaigns/campaign-runner.service';
import { SchedulesService } from '../src/schedules/schedules.service';
import {
  CampaignTestController,
  startCampaignController,
  waitFor,
} from './campaigns-support/harness';
import { SimAgent, VULNERABLE_FINDING } from './campaigns-support/sim-agent';

jest.setTimeout(60_000);

describe('scheduled rescans (BullMQ job schedulers, real Redis, SQLite, gRPC agents)', () => {
  let controller: CampaignTestController;
  let operator: string;
  const agents: SimAgent[] = [];
  const tag = 'role:scheduled';

  beforeAll(async () => {
    controller = await startCampaignController();
    operator = await controller.tokenFor('operator');
    const res = await controller
      .http()
      .post('/api/v1/enrollment-tokens')
      .set('Authorization', `Bearer ${controller.adminToken}`)
      .send({ name: 'sched', maxUses: 5, tags: [tag] });
    for (let i = 0; i < 3; i++) {
      const agent = new SimAgent(
        [controller.grpcAddress],
        'succeed',
        i === 0 ? [VULNERABLE_FINDING] : [],
      );
      agents.push(agent);
      await agent.enroll((res.body as { token: string }).token);
      await agent.connect();
    }
  });

  afterAll(async () => {
    agents.forEach((a) => a.close());
    await controller.dispose();
  });

  const api = (method: 'get' | 'post' | 'delete', path: string) =>
    controller.http()[method](`/api/v1${path}`).set('Authorization', `Bearer ${operator}`);

  it('creates a job scheduler, runs a jittered campaign per run (once per run key), and deletes it', async () => {
    const created = await api('post', '/schedules').send({
      name: 'nightly',
      everySeconds: 3600,
      selector: { tags: [tag] },
      jitterWindowSeconds: 2,
      campaignTtlSeconds: 600,
    });
    expect(created.status).toBe(201);
    const schedule = created.body as { id: string; nextRunAt: string | null; everySeconds: number };
    expect(schedule.everySeconds).toBe(3600);
    expect(schedule.nextRunAt).not.toBeNull();

    expect((await api('post', `/schedules/${schedule.id}/run`).send({})).status).toBe(202);
    const campaign = await waitFor(async () => {
      const res = await api('get', `/campaigns?scheduleId=${schedule.id}`);
      const items = (
        res.body as { items: Array<{ id: string; jitterWindowS: number; targetCount: number }> }
      ).items;
      return items[0];
    }, 'the run to create a campaign');
    expect(campaign).toMatchObject({ jitterWindowS: 2, targetCount: 3 });
    const done = await waitFor(async () => {
      const res = await api('get', `/campaigns/${campaign.id}`);
      const body = res.body as {
        status: string;
        coverage: { succeeded: number };
        findings: { hostsVulnerable: number };
      };
      return body.status === 'completed' ? body : undefined;
    }, 'the scheduled campaign to complete');
    expect(done.coverage.succeeded).toBe(3);
    expect(done.findings.hostsVulnerable).toBe(1);

    // A retried run (same run key) finds its campaign instead of making another.
    const service = controller.app.get(SchedulesService);
    await service.run(schedule.id, 't123');
    await service.run(schedule.id, 't123');
    const listed = await api('get', `/campaigns?scheduleId=${schedule.id}`);
    expect((listed.body as { total: number }).total).toBe(2);

    const fetched = await api('get', `/schedules/${schedule.id}`);
    expect(fetched.body).toMatchObject({ id: schedule.id, runCount: 2 });
    expect(
      ((await api('get', '/schedules')).body as Array<{ id: string }>).map((s) => s.id),
    ).toContain(schedule.id);

    expect((await api('delete', `/schedules/${schedule.id}`)).status).toBe(204);
    expect((await api('get', `/schedules/${schedule.id}`)).status).toBe(404);
    const audit = await controller
      .http()
      .get('/api/v1/audit?pageSize=200')
      .set('Authorization', `Bearer ${controller.adminToken}`);
    const actions = (audit.body as { items: Array<{ action: string }> }).items.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['schedule.created', 'schedule.run_requested', 'schedule.deleted']),
    );
  });

  it('runs a schedule of an explicit kind scan with params: its campaign sends them', async () => {
    const params = { paths: ['/opt/scheduled'], nice: true };
    const created = await api('post', '/schedules').send({
      everySeconds: 3600,
      selector: { hostIds: [agents[1].hostId] },
      kind: 'scan',
      params,
      jitterWindowSeconds: 0,
      campaignTtlSeconds: 600,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'scan', params });
    const scheduleId = (created.body as { id: string }).id;
    await controller.app.get(SchedulesService).run(scheduleId, 't1');
    const listed = await api('get', `/campaigns?scheduleId=${scheduleId}`);
    const campaign = (listed.body as { items: Array<{ id: string }> }).items[0];
    expect(campaign).toMatchObject({ kind: 'scan', commandKind: 'scan', params });
    const command = await waitFor(async () => {
      const res = await api('get', `/commands/${campaignCommandId(campaign.id, agents[1].hostId)}`);
      const body = res.body as { state?: string };
      return body.state === 'succeeded' ? body : undefined;
    }, 'the scheduled scan to succeed');
    expect(command).toMatchObject({ kind: 'scan', payload: { ...params, processes: true } });
    expect((await api('delete', `/schedules/${scheduleId}`)).status).toBe(204);
  });
});
