import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

const AGENT_COLUMNS = [
  new TableColumn({ name: 'revoked_reason', type: 'varchar', length: '256', isNullable: true }),
];
const TOKEN_COLUMNS = [
  new TableColumn({ name: 'replace_host_id', type: 'varchar', length: '36', isNullable: true }),
];

/**
 * Issue 12 H1: an enrollment may replace a host's active agent only with proof (its credential)
 * or a token an admin created for that host; a revoked agent is told why it was revoked.
 */
export class AgentReplacement1765000000000 implements MigrationInterface {
  name = 'AgentReplacement1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('agents', AGENT_COLUMNS);
    await queryRunner.addColumns('enrollment_tokens', TOKEN_COLUMNS);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of TOKEN_COLUMNS)
      await queryRunner.dropColumn('enrollment_tokens', column.name);
    for (const column of AGENT_COLUMNS) await queryRunner.dropColumn('agents', column.name);
  }
}
