import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

// Portable types only (varchar, text, integer, boolean), as in the initial schema.
const id = (name: string, nullable = false) => ({
  name,
  type: 'varchar',
  length: '36',
  isNullable: nullable,
});
const time = (name: string, nullable = false) => ({
  name,
  type: 'varchar',
  length: '32',
  isNullable: nullable,
});
const hostKey = {
  columnNames: ['host_id'],
  referencedTableName: 'hosts',
  referencedColumnNames: ['id'],
};

const RUNS = new Table({
  name: 'probe_runs',
  columns: [
    { ...id('command_id'), isPrimary: true },
    id('host_id'),
    id('agent_id'),
    { name: 'started_at', type: 'varchar', length: '40' },
    { name: 'finished_at', type: 'varchar', length: '40' },
    { name: 'verdict', type: 'varchar', length: '16' },
    { name: 'targets', type: 'text' },
    { name: 'errors', type: 'text' },
    { name: 'unmatched', type: 'text' },
    { name: 'findings_count', type: 'integer' },
    { name: 'requests', type: 'integer' },
    { name: 'ldap_port', type: 'integer' },
    { name: 'dns_port', type: 'integer' },
    time('command_created_at'),
    time('completed_at', true),
    time('created_at'),
  ],
  indices: [
    new TableIndex({
      name: 'ix_probe_runs_host_created',
      columnNames: ['host_id', 'command_created_at'],
    }),
  ],
  foreignKeys: [
    hostKey,
    { columnNames: ['command_id'], referencedTableName: 'commands', referencedColumnNames: ['id'] },
  ],
});

const FINDINGS = new Table({
  name: 'probe_findings',
  columns: [
    { ...id('id'), isPrimary: true },
    id('command_id'),
    id('host_id'),
    { name: 'address', type: 'varchar', length: '64' },
    { name: 'port', type: 'integer' },
    { name: 'location', type: 'varchar', length: '16' },
    { name: 'field', type: 'varchar', length: '255' },
    { name: 'form', type: 'varchar', length: '32' },
    { name: 'protocol', type: 'varchar', length: '8' },
    { name: 'token', type: 'varchar', length: '255' },
    { name: 'callback_at', type: 'varchar', length: '40' },
    { name: 'pid', type: 'integer', isNullable: true },
    { name: 'comm', type: 'varchar', length: '255' },
    { name: 'message', type: 'text' },
    time('created_at'),
  ],
  indices: [new TableIndex({ name: 'ix_probe_findings_command', columnNames: ['command_id'] })],
  foreignKeys: [
    hostKey,
    {
      columnNames: ['command_id'],
      referencedTableName: 'probe_runs',
      referencedColumnNames: ['command_id'],
    },
  ],
});

const HOST_STATES = new Table({
  name: 'host_probe_states',
  columns: [
    { ...id('host_id'), isPrimary: true },
    { name: 'exploitable', type: 'boolean' },
    { name: 'last_verdict', type: 'varchar', length: '16' },
    id('last_command_id'),
    time('last_command_created_at'),
    id('exploitable_command_id', true),
    time('exploitable_since', true),
    { name: 'evidence', type: 'text' },
    id('confirmed_clean_command_id', true),
    time('confirmed_clean_at', true),
    time('updated_at'),
  ],
  indices: [
    new TableIndex({ name: 'ix_host_probe_states_exploitable', columnNames: ['exploitable'] }),
  ],
  foreignKeys: [hostKey],
});

/** The probe kind's results (issue 18), apart from the host's scan-derived status. */
export class ProbeResults1765670000000 implements MigrationInterface {
  name = 'ProbeResults1765670000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of [RUNS, FINDINGS, HOST_STATES])
      await queryRunner.createTable(table, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [HOST_STATES, FINDINGS, RUNS]) await queryRunner.dropTable(table.name);
  }
}
