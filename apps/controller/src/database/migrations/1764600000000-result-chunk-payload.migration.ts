import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

// Portable types only: the protobuf bytes are stored base64 in text (no blob/bytea split).
const COLUMNS = [
  new TableColumn({ name: 'payload', type: 'text', isNullable: true }),
  new TableColumn({ name: 'ingested_at', type: 'varchar', length: '32', isNullable: true }),
];
const PENDING_INDEX = new TableIndex({
  name: 'ix_result_chunks_pending',
  columnNames: ['ingested_at', 'received_at'],
});

/** Result chunks are kept raw and ingested by a queue job; chunks stored before were ingested on receipt. */
export class ResultChunkPayload1764600000000 implements MigrationInterface {
  name = 'ResultChunkPayload1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('result_chunks', COLUMNS);
    await queryRunner.query('UPDATE "result_chunks" SET "ingested_at" = "received_at"');
    await queryRunner.createIndex('result_chunks', PENDING_INDEX);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('result_chunks', PENDING_INDEX.name!);
    for (const column of COLUMNS) await queryRunner.dropColumn('result_chunks', column.name);
  }
}
