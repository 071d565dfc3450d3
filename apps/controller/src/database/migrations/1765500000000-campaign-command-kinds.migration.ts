import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['campaigns', 'scan_schedules'] as const;

/**
 * Campaigns and schedules carry a command kind and its parameters instead of scan options: the
 * options column becomes params (a stored campaign's scan options are the params of kind scan)
 * and command_kind is added, 'scan' for every existing row. Plain ALTER TABLE on both SQLite
 * (3.25+ renames, 3.35+ drops columns) and PostgreSQL: no table is rebuilt, no row rewritten.
 */
export class CampaignCommandKinds1765500000000 implements MigrationInterface {
  name = 'CampaignCommandKinds1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.query(`ALTER TABLE "${table}" RENAME COLUMN "options" TO "params"`);
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD COLUMN "command_kind" varchar(32) NOT NULL DEFAULT 'scan'`,
      );
    }
  }

  /** Only while every row is a scan: an older controller would run other kinds' params as a scan. */
  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      const others = (await queryRunner.query(
        `SELECT COUNT(*) AS n FROM "${table}" WHERE "command_kind" <> 'scan'`,
      )) as Array<{ n: number | string }>;
      if (Number(others[0]?.n ?? 0) > 0)
        throw new Error(
          `${table} holds rows of kinds other than scan: cannot go back to scan options`,
        );
      await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "command_kind"`);
      await queryRunner.query(`ALTER TABLE "${table}" RENAME COLUMN "params" TO "options"`);
    }
  }
}
