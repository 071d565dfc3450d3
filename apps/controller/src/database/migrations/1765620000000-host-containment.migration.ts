import { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = [
  ['containment', 'varchar(16)'],
  ['containment_mode', 'varchar(16)'],
  ['containment_command_id', 'varchar(36)'],
  ['containment_changed_at', 'varchar(32)'],
  ['containment_detail', 'text'],
] as const;

/**
 * The host's containment (quarantine/): what is true on the host (requested, applied,
 * verified, failed, tampered, released), its mode, the command it follows and its evidence.
 * Nullable columns added with plain ALTER TABLE on SQLite and PostgreSQL: no row rewritten.
 */
export class HostContainment1765620000000 implements MigrationInterface {
  name = 'HostContainment1765620000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [name, type] of COLUMNS)
      await queryRunner.query(`ALTER TABLE "hosts" ADD COLUMN "${name}" ${type} NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [name] of [...COLUMNS].reverse())
      await queryRunner.query(`ALTER TABLE "hosts" DROP COLUMN "${name}"`);
  }
}
