import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

// Portable types only (varchar, text, integer, boolean), as in the initial schema.
const HITS = new Table({
  name: 'hunt_hits',
  columns: [
    { name: 'id', type: 'varchar', length: '36', isPrimary: true },
    { name: 'host_id', type: 'varchar', length: '36' },
    { name: 'command_id', type: 'varchar', length: '36' },
    { name: 'kind', type: 'varchar', length: '16' },
    { name: 'confidence', type: 'varchar', length: '8' },
    { name: 'file', type: 'text' },
    { name: 'line', type: 'integer' },
    { name: 'line_at', type: 'varchar', length: '32', isNullable: true },
    { name: 'raw', type: 'text' },
    { name: 'raw_truncated', type: 'boolean' },
    { name: 'decoded', type: 'text' },
    { name: 'protocol', type: 'varchar', length: '64', isNullable: true },
    { name: 'target_host', type: 'text', isNullable: true },
    { name: 'port', type: 'integer', isNullable: true },
    { name: 'target_path', type: 'text', isNullable: true },
    { name: 'callback_host', type: 'varchar', length: '1024', isNullable: true },
    { name: 'bypass', type: 'varchar', length: '16', isNullable: true },
    { name: 'exfiltrates', type: 'text' },
    { name: 'trace', type: 'varchar', length: '32', isNullable: true },
    { name: 'obfuscation', type: 'text' },
    { name: 'cves', type: 'text' },
    { name: 'indicator_type', type: 'varchar', length: '16', isNullable: true },
    { name: 'indicator_value', type: 'text', isNullable: true },
    { name: 'message', type: 'text' },
    { name: 'created_at', type: 'varchar', length: '32' },
  ],
  indices: [
    new TableIndex({ name: 'ix_hunt_hits_host', columnNames: ['host_id', 'id'] }),
    new TableIndex({ name: 'ix_hunt_hits_command', columnNames: ['command_id'] }),
    new TableIndex({ name: 'ix_hunt_hits_callback_host', columnNames: ['callback_host'] }),
    new TableIndex({ name: 'ix_hunt_hits_kind', columnNames: ['kind', 'confidence'] }),
  ],
  foreignKeys: [
    { columnNames: ['host_id'], referencedTableName: 'hosts', referencedColumnNames: ['id'] },
    { columnNames: ['command_id'], referencedTableName: 'commands', referencedColumnNames: ['id'] },
  ],
});

const RUNS = new Table({
  name: 'hunt_runs',
  columns: [
    { name: 'command_id', type: 'varchar', length: '36', isPrimary: true },
    { name: 'host_id', type: 'varchar', length: '36' },
    { name: 'summary', type: 'text', isNullable: true },
    { name: 'errors', type: 'text' },
    { name: 'hits', type: 'integer' },
    { name: 'completed_at', type: 'varchar', length: '32', isNullable: true },
    { name: 'created_at', type: 'varchar', length: '32' },
  ],
  indices: [new TableIndex({ name: 'ix_hunt_runs_host', columnNames: ['host_id', 'created_at'] })],
  foreignKeys: [
    { columnNames: ['host_id'], referencedTableName: 'hosts', referencedColumnNames: ['id'] },
    { columnNames: ['command_id'], referencedTableName: 'commands', referencedColumnNames: ['id'] },
  ],
});

/** The hunt kind's results: hits per host (grouped fleet-wide by callback host) and each run's summary. */
export class HuntHits1765640000000 implements MigrationInterface {
  name = 'HuntHits1765640000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(HITS, false, true, true);
    await queryRunner.createTable(RUNS, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(RUNS.name);
    await queryRunner.dropTable(HITS.name);
  }
}
