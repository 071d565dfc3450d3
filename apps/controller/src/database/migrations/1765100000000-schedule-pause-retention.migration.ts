import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

const PAUSED_REASON = new TableColumn({ name: 'paused_reason', type: 'text', isNullable: true });
const PAYLOAD_KEPT = new TableIndex({
  name: 'ix_result_chunks_payload_kept',
  columnNames: ['ingested_at'],
  where: 'payload IS NOT NULL',
});
const BY_AGENT_RECEIVED = new TableIndex({
  name: 'ix_result_chunks_agent_received',
  columnNames: ['agent_id', 'received_at'],
});

/**
 * A schedule stored before the minimum interval was enforced on every cron form (a six-field
 * "* * * * * *") is paused at start with its reason, instead of starting a campaign each second.
 * The retention job finds the ingested chunks whose payload it has not dropped yet through a
 * partial index, without rereading those it already pruned. An agent's uploads of the last hour
 * (RESULT_MAX_MB_PER_AGENT_HOUR) are summed through an index of their own.
 */
export class SchedulePauseRetention1765100000000 implements MigrationInterface {
  name = 'SchedulePauseRetention1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('scan_schedules', PAUSED_REASON);
    await queryRunner.createIndex('result_chunks', PAYLOAD_KEPT);
    await queryRunner.createIndex('result_chunks', BY_AGENT_RECEIVED);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('result_chunks', BY_AGENT_RECEIVED.name!);
    await queryRunner.dropIndex('result_chunks', PAYLOAD_KEPT.name!);
    await queryRunner.dropColumn('scan_schedules', PAUSED_REASON.name);
  }
}
