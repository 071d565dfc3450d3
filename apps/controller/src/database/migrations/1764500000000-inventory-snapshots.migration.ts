import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

// Portable types only (varchar, text, integer, bigint, boolean), as in the initial schema.
const TABLE = new Table({
  name: 'inventory_snapshots',
  columns: [
    { name: 'id', type: 'varchar', length: '36', isPrimary: true },
    { name: 'host_id', type: 'varchar', length: '36' },
    { name: 'agent_id', type: 'varchar', length: '36' },
    { name: 'collected_at_ms', type: 'bigint' },
    { name: 'collected_at', type: 'varchar', length: '32' },
    { name: 'received_at', type: 'varchar', length: '32' },
    { name: 'snapshot', type: 'text' },
    { name: 'hostname', type: 'varchar', length: '255' },
    { name: 'os_name', type: 'varchar', length: '255' },
    { name: 'os_version', type: 'varchar', length: '255' },
    { name: 'running_vulnerable_jvm', type: 'boolean' },
    { name: 'restart_needed', type: 'boolean' },
    { name: 'privileged_accounts', type: 'text' },
    { name: 'privileged_added', type: 'boolean' },
    { name: 'last_update_at', type: 'varchar', length: '32', isNullable: true },
    { name: 'changes', type: 'integer' },
  ],
  uniques: [
    {
      name: 'ux_inventory_snapshots_agent_collected',
      columnNames: ['agent_id', 'collected_at_ms'],
    },
  ],
  indices: [
    new TableIndex({
      name: 'ix_inventory_snapshots_host_collected',
      columnNames: ['host_id', 'collected_at_ms'],
    }),
    new TableIndex({
      name: 'ix_inventory_snapshots_vulnerable_jvm',
      columnNames: ['running_vulnerable_jvm'],
    }),
    new TableIndex({
      name: 'ix_inventory_snapshots_restart_needed',
      columnNames: ['restart_needed'],
    }),
    new TableIndex({ name: 'ix_inventory_snapshots_last_update', columnNames: ['last_update_at'] }),
    new TableIndex({ name: 'ix_inventory_snapshots_os', columnNames: ['os_name', 'os_version'] }),
  ],
  foreignKeys: [
    { columnNames: ['host_id'], referencedTableName: 'hosts', referencedColumnNames: ['id'] },
    { columnNames: ['agent_id'], referencedTableName: 'agents', referencedColumnNames: ['id'] },
  ],
});

export class InventorySnapshots1764500000000 implements MigrationInterface {
  name = 'InventorySnapshots1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(TABLE, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(TABLE.name);
  }
}
