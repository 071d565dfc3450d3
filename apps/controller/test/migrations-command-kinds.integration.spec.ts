import { randomUUID } from 'node:crypto';
import { DataSource, DataSourceOptions } from 'typeorm';
import { withStorage } from './support/test-storage';
import { CampaignEntity } from '../src/campaigns/campaign.entity';
import { toCampaignDto } from '../src/campaigns/campaigns.mapper';
import { storedRequest } from '../src/commands/kinds';
import { parseJsonObject } from '../src/common/json-column';
import { ENTITIES, MIGRATIONS } from '../src/database/entities';
import { scanParams } from '../src/scan/scan.kind';
import { ScheduleEntity } from '../src/schedules/schedule.entity';
import { toScheduleDto } from '../src/schedules/schedules.mapper';

const AT = '2026-01-02T03:04:05.000Z';
const BEFORE = MIGRATIONS.findIndex((m) => m.name === 'CampaignCommandKinds1765500000000');
/** Scan options as a controller before command kinds stored them (the campaign's options column). */
const OPTIONS = { paths: ['/opt/app'], threads: 2, processes: false };

/** A campaign and a schedule stored before the migration, read back after it through the entities. */
async function upgrade(options: DataSourceOptions) {
  const campaignId = randomUUID();
  const scheduleId = randomUUID();
  const before = await new DataSource({
    ...options,
    migrations: MIGRATIONS.slice(0, BEFORE),
  }).initialize();
  try {
    await before.runMigrations();
    const postgres = options.type === 'postgres';
    const p = (n: number) => (postgres ? `$${n}` : '?');
    const values = (n: number) => [...Array(n).keys()].map((i) => p(i + 1)).join(', ');
    await before.query(
      `INSERT INTO campaigns (id, name, kind, status, selector, options, canary_size, target_count,
         resume_count, created_by, created_at, expires_at) VALUES (${values(12)})`,
      [
        campaignId,
        'old',
        'scan',
        'running',
        '{"all":true}',
        JSON.stringify(OPTIONS),
        0,
        3,
        0,
        'admin',
        AT,
        AT,
      ],
    );
    await before.query(
      `INSERT INTO scan_schedules (id, name, every_s, selector, options, jitter_window_s,
         campaign_ttl_s, run_count, created_by, created_at) VALUES (${values(10)})`,
      [
        scheduleId,
        'nightly',
        3600,
        '{"all":true}',
        JSON.stringify(OPTIONS),
        60,
        3600,
        4,
        'admin',
        AT,
      ],
    );
  } finally {
    await before.destroy();
  }
  const after = await new DataSource({
    ...options,
    entities: ENTITIES,
    // Up to this migration, so that the last one undone is this one (later ones come after it).
    migrations: MIGRATIONS.slice(0, BEFORE + 1),
  }).initialize();
  try {
    await after.runMigrations();
    const campaign = await after.getRepository(CampaignEntity).findOneByOrFail({ id: campaignId });
    const schedule = await after.getRepository(ScheduleEntity).findOneByOrFail({ id: scheduleId });
    // Back down while every row is a scan: the options column returns as it was (later
    // migrations undone first).
    for (let i = MIGRATIONS.length - 1; i >= BEFORE; i--) await after.undoLastMigration();
    const [down] = await after.query<Array<{ options: string }>>(
      `SELECT options FROM campaigns WHERE id = '${campaignId}'`,
    );
    return { campaign, schedule, down };
  } finally {
    await after.destroy();
  }
}

function expectWorking({ campaign, schedule, down }: Awaited<ReturnType<typeof upgrade>>): void {
  // The old campaign reads as a campaign of kind scan whose params are its scan options, and
  // its dispatch builds the same scan command as before.
  expect(toCampaignDto(campaign)).toMatchObject({
    kind: 'scan',
    commandKind: 'scan',
    params: OPTIONS,
    scan: OPTIONS,
    status: 'running',
  });
  expect(storedRequest(campaign.commandKind, parseJsonObject(campaign.params))).toEqual({
    kind: 'scan',
    params: scanParams(OPTIONS),
  });
  expect(toScheduleDto(schedule, null)).toMatchObject({
    kind: 'scan',
    params: OPTIONS,
    scan: OPTIONS,
    runCount: 4,
  });
  expect(JSON.parse(down.options)).toEqual(OPTIONS);
}

describe('migration: campaigns and schedules carry a command kind', () => {
  it('keeps an old campaign and schedule of an SQLite database working as kind scan', () =>
    withStorage('sqlite', async (options) => expectWorking(await upgrade(options))));

  it('keeps an old campaign and schedule of a PostgreSQL database working as kind scan', () =>
    withStorage('postgres', async (options) => expectWorking(await upgrade(options))));
});
