import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';

// Built with TypeORM's Table API so one migration yields the right DDL on SQLite and
// PostgreSQL; only portable types are used (varchar, text, integer, bigint, boolean).
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
const big = (name: string): TableColumnOptions => ({ name, type: 'bigint', isNullable: false });
const bool = (name: string): TableColumnOptions => ({ name, type: 'boolean', isNullable: false });
const at = (name: string, isNullable = true): TableColumnOptions => str(name, 32, isNullable);

const TABLES: Table[] = [
  new Table({
    name: 'hosts',
    columns: [
      id('id', true),
      str('hostname', 255),
      str('fqdn', 255),
      str('machine_id', 64),
      str('os_name', 255),
      str('os_version', 255),
      str('kernel', 255),
      str('arch', 64),
      text('addresses'),
      text('tags'),
      str('status', 16),
      bool('flagged'),
      str('flag_reason', 255, true),
      at('last_seen_at'),
      at('status_changed_at'),
      str('last_scan_run_id', 36, true),
      at('last_scan_at'),
      at('created_at', false),
    ],
    indices: [
      new TableIndex({ name: 'ux_hosts_machine_id', columnNames: ['machine_id'], isUnique: true }),
      new TableIndex({ name: 'ix_hosts_status', columnNames: ['status'] }),
    ],
  }),
  new Table({
    name: 'agents',
    columns: [
      id('id', true),
      id('host_id'),
      str('credential_hash', 64),
      str('version', 64),
      at('last_seen_at'),
      bool('revoked'),
      at('revoked_at'),
      at('created_at', false),
    ],
    indices: [new TableIndex({ name: 'ix_agents_host', columnNames: ['host_id'] })],
    foreignKeys: [
      { columnNames: ['host_id'], referencedTableName: 'hosts', referencedColumnNames: ['id'] },
    ],
  }),
  new Table({
    name: 'enrollment_tokens',
    columns: [
      id('id', true),
      str('name', 128),
      str('token_hash', 64),
      at('expires_at', false),
      int('max_uses'),
      int('uses'),
      text('tags'),
      bool('revoked'),
      str('created_by', 128),
      at('created_at', false),
    ],
  }),
  new Table({
    name: 'commands',
    columns: [
      id('id', true),
      id('host_id'),
      id('agent_id'),
      str('kind', 32),
      text('payload'),
      str('state', 16),
      text('message', true),
      int('total_chunks', true),
      str('created_by', 128),
      at('created_at', false),
      at('expires_at', false),
      at('delivered_at'),
      at('started_at'),
      at('succeeded_at'),
      at('failed_at'),
      at('verified_at'),
      at('expired_at'),
      at('cancelled_at'),
    ],
    indices: [
      new TableIndex({ name: 'ix_commands_agent_state', columnNames: ['agent_id', 'state'] }),
      new TableIndex({ name: 'ix_commands_host', columnNames: ['host_id'] }),
    ],
    foreignKeys: [
      { columnNames: ['host_id'], referencedTableName: 'hosts', referencedColumnNames: ['id'] },
      { columnNames: ['agent_id'], referencedTableName: 'agents', referencedColumnNames: ['id'] },
    ],
  }),
  new Table({
    name: 'scan_runs',
    columns: [
      id('id', true),
      id('host_id'),
      id('command_id'),
      at('started_at'),
      at('finished_at'),
      big('files'),
      big('directories'),
      big('archives'),
      big('bytes_read'),
      int('findings_count'),
      int('errors_count'),
      int('vulnerable'),
      int('mitigated'),
      int('safe'),
      int('unknown'),
      big('duration_ms'),
      at('created_at', false),
    ],
    indices: [
      new TableIndex({ name: 'ux_scan_runs_command', columnNames: ['command_id'], isUnique: true }),
      new TableIndex({ name: 'ix_scan_runs_host', columnNames: ['host_id'] }),
    ],
    foreignKeys: [
      {
        columnNames: ['command_id'],
        referencedTableName: 'commands',
        referencedColumnNames: ['id'],
      },
    ],
  }),
  new Table({
    name: 'findings',
    columns: [
      id('id', true),
      id('host_id'),
      id('scan_run_id'),
      id('command_id'),
      text('chain'),
      text('path'),
      str('product', 32),
      str('version', 64),
      bool('version_exact'),
      str('status', 16),
      text('cves'),
      text('evidence'),
      str('package_root', 512),
      str('sha256', 64),
      at('created_at', false),
    ],
    indices: [
      new TableIndex({ name: 'ix_findings_scan_run', columnNames: ['scan_run_id'] }),
      new TableIndex({ name: 'ix_findings_host', columnNames: ['host_id'] }),
    ],
    foreignKeys: [
      {
        columnNames: ['scan_run_id'],
        referencedTableName: 'scan_runs',
        referencedColumnNames: ['id'],
      },
    ],
  }),
  new Table({
    name: 'scan_errors',
    columns: [
      id('id', true),
      id('host_id'),
      id('scan_run_id'),
      id('command_id'),
      text('chain'),
      text('path'),
      str('code', 64),
      text('message'),
      at('created_at', false),
    ],
    indices: [new TableIndex({ name: 'ix_scan_errors_scan_run', columnNames: ['scan_run_id'] })],
    foreignKeys: [
      {
        columnNames: ['scan_run_id'],
        referencedTableName: 'scan_runs',
        referencedColumnNames: ['id'],
      },
    ],
  }),
  new Table({
    name: 'result_chunks',
    columns: [
      id('id', true),
      id('agent_id'),
      id('command_id'),
      int('sequence'),
      int('total_chunks'),
      int('findings_count'),
      int('errors_count'),
      at('received_at', false),
    ],
    uniques: [
      {
        name: 'ux_result_chunks_agent_command_sequence',
        columnNames: ['agent_id', 'command_id', 'sequence'],
      },
    ],
  }),
  new Table({
    name: 'audit_events',
    columns: [
      id('id', true),
      at('at', false),
      str('actor', 128),
      str('action', 64),
      str('host_id', 36, true),
      text('details'),
    ],
    indices: [
      new TableIndex({ name: 'ix_audit_events_at', columnNames: ['at'] }),
      new TableIndex({ name: 'ix_audit_events_host', columnNames: ['host_id'] }),
    ],
  }),
  new Table({
    name: 'api_tokens',
    columns: [
      id('id', true),
      str('name', 128),
      str('role', 16),
      str('token_hash', 64),
      str('prefix', 64),
      bool('revoked'),
      at('last_used_at'),
      at('created_at', false),
    ],
  }),
];

export class InitialSchema1764300000000 implements MigrationInterface {
  name = 'InitialSchema1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await queryRunner.createTable(table, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await queryRunner.dropTable(table.name);
  }
}
