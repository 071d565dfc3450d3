import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

const COLUMNS = [
  new TableColumn({ name: 'failed_at', type: 'varchar', length: '32', isNullable: true }),
  new TableColumn({ name: 'failure', type: 'text', isNullable: true }),
];

/**
 * A stored chunk that can never be ingested (its bytes do not decode) is set aside with the
 * reason, instead of being retried by the sweep forever (and, past 1,000 of them, hiding newer
 * chunks from it).
 */
export class ResultChunkFailures1764800000000 implements MigrationInterface {
  name = 'ResultChunkFailures1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('result_chunks', COLUMNS);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of COLUMNS) await queryRunner.dropColumn('result_chunks', column.name);
  }
}
