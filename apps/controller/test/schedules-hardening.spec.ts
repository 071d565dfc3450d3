import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { toJson } from '../src/common/json-column';
import { JobName, QueueName } from '../src/queues/queue-names';
import { QueuesService } from '../src/queues/queues.service';
import { ScheduleEntity } from '../src/schedules/schedule.entity';
import {
  CampaignTestController,
  createStorage,
  newAdminToken,
  newPrefix,
  startCampaignController,
  Storage,
  waitFor,
} from './campaigns-support/harness';

jest.setTimeout(60_000);

const REDIS_URL = 'redis://127.0.0.1:6379';

interface ScheduleBody {
  id: string;
  nextRunAt: string | null;
  pausedReason: string | null;
  runCount: number;
}

describe('schedule hardening (real Redis, SQLite)', () => {
  let storage: Storage;
  let controller: CampaignTestController;
  const adminToken = newAdminToken();
  const prefix = newPrefix('sched-hard');

  beforeAll(async () => {
    storage = await createStorage('sqlite');
    controller = await startCampaignController({ storage, prefix, adminToken });
  });

  afterAll(async () => {
    await controller.dispose();
    await storage.dispose();
  });

  const api = (method: 'get' | 'post', path: string) =>
    controller.http()[method](`/api/v1${path}`).set('Authorization', `Bearer ${adminToken}`);

  const create = (timing: Record<string, unknown>) =>
    api('post', '/schedules').send({
      ...timing,
      selector: { all: true },
      campaignTtlSeconds: 3600,
    });

  it.each([
    ['* * * * * *', 1],
    ['*/30 * * * * *', 30],
    ['0-5 0 3 * * *', 1],
    ['0,30 * * * * *', 30],
  ])(
    'M4: cron "%s" (six fields) is refused with a 400 naming cron and its %d s gap',
    async (cron, gap) => {
      const res = await create({ cron });
      expect(res.status).toBe(400);
      const message = String((res.body as { message: string[] | string }).message);
      expect(message).toContain(`cron "${cron}" fires ${gap} s apart`);
      expect(message).toContain('60 s');
      expect((await api('get', '/schedules')).body).toEqual([]);
    },
  );

  it('M4: crons and intervals at least 60 s apart are accepted, in either cron form', async () => {
    for (const timing of [
      { cron: '0 * * * * *' },
      { cron: '15 */5 * * * *' },
      { cron: '0 3 * * *' },
      { everySeconds: 60 },
    ]) {
      const res = await create(timing);
      expect({ timing, status: res.status }).toEqual({ timing, status: 201 });
      expect((res.body as ScheduleBody).nextRunAt).not.toBeNull();
    }
    const tooOften = await create({ everySeconds: 59 });
    expect(tooOften.status).toBe(400);
    expect(JSON.stringify(tooOften.body)).toContain('everySeconds');
  });

  it('M4: a too-fast schedule stored before the rule is paused at start with an audit entry, and makes no campaign', async () => {
    // As an older controller stored it: the row, and its job scheduler firing every second.
    const id = randomUUID();
    const row: ScheduleEntity = {
      id,
      name: 'every second (stored before the rule)',
      cron: '* * * * * *',
      everyS: null,
      timezone: null,
      selector: toJson({ all: true }),
      commandKind: 'scan',
      params: toJson({}),
      jitterWindowS: 0,
      campaignTtlS: 3600,
      failureThreshold: null,
      runCount: 0,
      lastCampaignId: null,
      lastRunAt: null,
      pausedReason: null,
      createdBy: 'admin',
      createdAt: new Date(),
    };
    await controller.app.get(DataSource).getRepository(ScheduleEntity).insert(row);
    await controller.stop();
    const queue = new Queue(QueueName.Schedules, {
      connection: { url: REDIS_URL },
      prefix,
    });
    try {
      await queue.upsertJobScheduler(
        `schedule-${id}`,
        { pattern: '* * * * * *' },
        { name: JobName.ScheduleRun, data: { scheduleId: id } },
      );
    } finally {
      await queue.close();
    }

    controller = await startCampaignController({ storage, prefix, adminToken });
    const paused = await waitFor(async () => {
      const body = (await api('get', `/schedules/${id}`)).body as ScheduleBody;
      return body.pausedReason ? body : undefined;
    }, 'the schedule to be paused');
    expect(paused.pausedReason).toContain('fires 1 s apart');
    expect(paused.nextRunAt).toBeNull();
    expect(paused.runCount).toBe(0);
    const queues = controller.app.get(QueuesService);
    expect(await queues.hasScheduler(JobName.ScheduleRun, `schedule-${id}`)).toBe(false);
    const campaigns = await api('get', `/campaigns?scheduleId=${id}`);
    expect((campaigns.body as { total: number }).total).toBe(0);
    const audit = await api('get', '/audit?action=schedule.paused');
    const entries = (audit.body as { items: Array<{ details: { scheduleId?: string } }> }).items;
    expect(entries.filter((e) => e.details.scheduleId === id)).toHaveLength(1);
  });
});
