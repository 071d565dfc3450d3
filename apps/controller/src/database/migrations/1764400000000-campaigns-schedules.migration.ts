import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';

// Campaigns, their targets and scan schedules (owned by the campaigns/schedules features).
// Same portable Table API and types as the initial schema: one migration for SQLite and PostgreSQL.
const id = (name = 'id', primary = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '36',
  isPrimary: primary,
});
const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable,
});
const text = (name: string, isNullable = false): TableColumnOptions => ({
  name,
  type: 'text',
  isNullable,
});
const int = (name: string, isNullable = false): TableColumnOptions => ({
  name,
  type: 'integer',
  isNullable,
});
const bool = (name: string): TableColumnOptions => ({ name, type: 'boolean', isNullable: false });
const at = (name: string, isNullable = true): TableColumnOptions => str(name, 32, isNullable);

const TABLES: Table[] = [
  new Table({
    name: 'campaigns',
    columns: [
      id('id', true),
      str('name', 128),
      str('kind', 16),
      str('status', 16),
      text('status_reason', true),
      text('selector'),
      text('options'),
      int('pace_per_second', true),
      int('canary_size'),
      int('failure_threshold', true),
      int('jitter_window_s', true),
      int('target_count'),
      int('resume_count'),
      str('schedule_id', 36, true),
      str('run_key', 64, true),
      str('created_by', 128),
      at('created_at', false),
      at('expires_at', false),
      at('canary_passed_at'),
      at('paused_at'),
      at('finished_at'),
    ],
    indices: [
      new TableIndex({ name: 'ix_campaigns_created', columnNames: ['created_at'] }),
      new TableIndex({ name: 'ix_campaigns_status', columnNames: ['status'] }),
      new TableIndex({
        name: 'ux_campaigns_schedule_run',
        columnNames: ['schedule_id', 'run_key'],
        isUnique: true,
      }),
    ],
  }),
  new Table({
    name: 'campaign_targets',
    columns: [
      { ...id('campaign_id'), isPrimary: true },
      { ...id('host_id'), isPrimary: true },
      int('position'),
      bool('canary'),
      str('state', 16),
      text('reason', true),
      str('command_id', 36, true),
      str('agent_id', 36, true),
      at('dispatched_at'),
    ],
    indices: [
      new TableIndex({ name: 'ix_campaign_targets_command', columnNames: ['command_id'] }),
      new TableIndex({
        name: 'ix_campaign_targets_campaign_state',
        columnNames: ['campaign_id', 'state'],
      }),
    ],
    foreignKeys: [
      {
        columnNames: ['campaign_id'],
        referencedTableName: 'campaigns',
        referencedColumnNames: ['id'],
      },
      { columnNames: ['host_id'], referencedTableName: 'hosts', referencedColumnNames: ['id'] },
    ],
  }),
  new Table({
    name: 'scan_schedules',
    columns: [
      id('id', true),
      str('name', 128),
      str('cron', 128, true),
      int('every_s', true),
      str('timezone', 64, true),
      text('selector'),
      text('options'),
      int('jitter_window_s'),
      int('campaign_ttl_s'),
      int('failure_threshold', true),
      int('run_count'),
      str('last_campaign_id', 36, true),
      at('last_run_at'),
      str('created_by', 128),
      at('created_at', false),
    ],
  }),
];

export class CampaignsSchedules1764400000000 implements MigrationInterface {
  name = 'CampaignsSchedules1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await queryRunner.createTable(table, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await queryRunner.dropTable(table.name);
  }
}
