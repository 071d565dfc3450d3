import { UploadResultsRequest } from '@log4fleet/contracts';
import { DataSource } from 'typeorm';
import { QueueName } from '../src/queues/queue-names';
import { QueuesService } from '../src/queues/queues.service';
import { ScheduleEntity } from '../src/schedules/schedule.entity';
import {
  CampaignTestController,
  createStorage,
  deletePrefix,
  newAdminToken,
  newPrefix,
  startCampaignController,
  Storage,
  waitFor,
} from './campaigns-support/harness';
import { TestAgent } from './support/agent-client';
import { LOG4J_2_14 } from './support/seed';
import { SimAgent } from './campaigns-support/sim-agent';

jest.setTimeout(90_000);

const REDIS_URL = 'redis://127.0.0.1:6379';
const TWO_HOURS_MS = 2 * 3600_000;

interface ScheduleBody {
  id: string;
  nextRunAt: string | null;
  runCount: number;
}

/**
 * M3: Redis loses this controller's keys (its own prefix is deleted, as a FLUSHALL or a Redis
 * restarted without persistence would) while the controller runs, or while it is stopped.
 */
describe('recovery after Redis lost its data (real Redis, SQLite)', () => {
  let storage: Storage;
  let controller: CampaignTestController;
  const adminToken = newAdminToken();
  const prefix = newPrefix('flush');
  const agents: Array<TestAgent | SimAgent> = [];

  beforeAll(async () => {
    storage = await createStorage('sqlite');
    controller = await startCampaignController({ storage, prefix, adminToken });
  });

  afterAll(async () => {
    agents.forEach((a) => a.close());
    await controller.dispose();
    await storage.dispose();
  });

  const api = (method: 'get' | 'post', path: string) =>
    controller.http()[method](`/api/v1${path}`).set('Authorization', `Bearer ${adminToken}`);

  const flushOwnKeys = () => deletePrefix(REDIS_URL, prefix);

  /** An hourly schedule whose last run (as the database says) was two hours ago: it is due. */
  async function overdueSchedule(): Promise<string> {
    const res = await api('post', '/schedules').send({
      everySeconds: 3600,
      selector: { tags: ['role:none'] },
      campaignTtlSeconds: 3600,
    });
    expect(res.status).toBe(201);
    const id = (res.body as ScheduleBody).id;
    const past = new Date(Date.now() - TWO_HOURS_MS);
    await controller.app
      .get(DataSource)
      .getRepository(ScheduleEntity)
      .update({ id }, { createdAt: past, lastRunAt: past });
    return id;
  }

  const scheduleOf = async (id: string) =>
    (await api('get', `/schedules/${id}`)).body as ScheduleBody;

  /** A new host's agent and a scan command for it. */
  async function agentWithScan(): Promise<{ agent: TestAgent; commandId: string }> {
    const token = await api('post', '/enrollment-tokens').send({ name: 'flush' });
    const agent = new TestAgent(controller.grpcAddress);
    agents.push(agent);
    await agent.enroll((token.body as { token: string }).token);
    const scan = await api('post', `/hosts/${agent.hostId}/scans`).send({});
    expect(scan.status).toBe(201);
    return { agent, commandId: (scan.body as { id: string }).id };
  }

  const chunk = (commandId: string): UploadResultsRequest => ({
    commandId,
    sequence: 0,
    totalChunks: 1,
    findings: [LOG4J_2_14],
    errors: [],
  });

  async function findingsOf(hostId: string): Promise<number> {
    const res = await api('get', `/findings?hostId=${hostId}`);
    return (res.body as { total: number }).total;
  }

  it('M3: after a flush while running, a due schedule fires again and shows its next run, without a restart', async () => {
    const id = await overdueSchedule();
    expect((await scheduleOf(id)).runCount).toBe(0);
    await flushOwnKeys();
    const fired = await waitFor(async () => {
      const body = await scheduleOf(id);
      return body.runCount >= 1 && body.nextRunAt ? body : undefined;
    }, 'the schedule to run again after the flush');
    expect(new Date(fired.nextRunAt!).getTime()).toBeGreaterThan(Date.now());
  });

  it('M3: a chunk stored while the ingest jobs were gone is ingested without a restart', async () => {
    const { agent, commandId } = await agentWithScan();
    const ingest = controller.app.get(QueuesService).queue(QueueName.ResultsIngest);
    // The chunk is stored and its job waits; then Redis loses the job (and the sweep's scheduler).
    await ingest.pause();
    expect(await agent.upload(chunk(commandId))).toMatchObject({ duplicate: false });
    await flushOwnKeys();
    await waitFor(
      async () => ((await findingsOf(agent.hostId)) === 1 ? true : undefined),
      'the chunk to be ingested after the flush',
    );
  });

  it('M3: a campaign running during a flush still completes (its monitor comes back)', async () => {
    const token = await api('post', '/enrollment-tokens').send({ name: 'flush-campaign' });
    const agent = new SimAgent([controller.grpcAddress], 'succeed', [LOG4J_2_14]);
    agents.push(agent);
    await agent.enroll((token.body as { token: string }).token);
    const created = await api('post', '/campaigns').send({ selector: { hostIds: [agent.hostId] } });
    expect(created.status).toBe(202);
    const campaignId = (created.body as { id: string }).id;
    const detail = async () =>
      (await api('get', `/campaigns/${campaignId}`)).body as {
        status: string;
        coverage: { offline: number; succeeded: number };
      };
    // The command waits for the offline agent; then Redis loses the campaign's jobs.
    await waitFor(
      async () => ((await detail()).coverage.offline === 1 ? true : undefined),
      'the command to wait for its agent',
    );
    await flushOwnKeys();
    await agent.connect();
    const done = await waitFor(async () => {
      const body = await detail();
      return body.status === 'completed' ? body : undefined;
    }, 'the campaign to complete after the flush');
    expect(done.coverage.succeeded).toBe(1);
  });

  it('M3: after a restart on a flushed Redis, schedules show their next run and due ones fire', async () => {
    const id = await overdueSchedule();
    const hourly = await api('post', '/schedules').send({
      cron: '0 * * * *',
      selector: { tags: ['role:none'] },
      campaignTtlSeconds: 3600,
    });
    expect(hourly.status).toBe(201);
    const hourlyId = (hourly.body as ScheduleBody).id;
    await controller.stop();
    await flushOwnKeys();
    controller = await startCampaignController({ storage, prefix, adminToken });
    const fired = await waitFor(async () => {
      const body = await scheduleOf(id);
      return body.runCount >= 1 && body.nextRunAt ? body : undefined;
    }, 'the overdue schedule to run after the restart');
    expect(fired.nextRunAt).not.toBeNull();
    expect((await scheduleOf(hourlyId)).nextRunAt).not.toBeNull();
  });
});
