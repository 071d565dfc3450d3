import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

const PAUSED_REASON = new TableColumn({ name: 'paused_reason', type: 'text', isNullable: true });

/**
 * A schedule stored before the minimum interval was enforced on every cron form (a six-field
 * "* * * * * *") is paused at start with its reason, instead of starting a campaign each second.
 */
export class SchedulePause1765100000000 implements MigrationInterface {
  name = 'SchedulePause1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('scan_schedules', PAUSED_REASON);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('scan_schedules', PAUSED_REASON.name);
  }
}
