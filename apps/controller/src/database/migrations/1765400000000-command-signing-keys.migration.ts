import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** The fleet's command-signing key chain (apps/controller/src/signing), shared by every process. */
export class CommandSigningKeys1765400000000 implements MigrationInterface {
  name = 'CommandSigningKeys1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'command_signing_keys',
        columns: [
          { name: 'generation', type: 'integer', isPrimary: true },
          { name: 'public_key', type: 'varchar', length: '64' },
          { name: 'private_key', type: 'text' },
          { name: 'not_before_ms', type: 'bigint' },
          { name: 'rotation_signature', type: 'varchar', length: '128' },
          { name: 'created_by', type: 'varchar', length: '128' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('command_signing_keys');
  }
}
