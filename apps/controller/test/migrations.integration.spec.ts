import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../src/database/entities';

const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';
const RECEIVED = '2026-01-02T03:04:05.000Z';

/** Upgrading a database that holds chunks stored (and ingested) before the payload column existed. */
async function upgrade(options: DataSourceOptions): Promise<Array<Record<string, unknown>>> {
  const before = await new DataSource({
    ...options,
    migrations: MIGRATIONS.slice(0, 3),
  }).initialize();
  try {
    await before.runMigrations();
    await before.query(
      `INSERT INTO "result_chunks" ("id", "agent_id", "command_id", "sequence", "total_chunks", "findings_count", "errors_count", "received_at") VALUES ('c1', 'a1', 'm1', 0, 1, 2, 0, '${RECEIVED}')`,
    );
  } finally {
    await before.destroy();
  }
  const after = await new DataSource({ ...options, migrations: MIGRATIONS }).initialize();
  try {
    await after.runMigrations();
    return await after.query('SELECT "id", "payload", "ingested_at" FROM "result_chunks"');
  } finally {
    await after.destroy();
  }
}

describe('migration: result chunk payload', () => {
  it('keeps the chunks of an SQLite database and marks them ingested', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l4f-migration-'));
    try {
      const rows = await upgrade({ type: 'better-sqlite3', database: join(dir, 'db.sqlite') });
      expect(rows).toEqual([{ id: 'c1', payload: null, ingested_at: RECEIVED }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the chunks of a PostgreSQL database and marks them ingested', async () => {
    const name = `l4f_test_${randomBytes(6).toString('hex')}`;
    const admin = await new DataSource({ type: 'postgres', url: PG_ADMIN_URL }).initialize();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const rows = await upgrade({
        type: 'postgres',
        url: `postgres://postgres@127.0.0.1:5432/${name}`,
      });
      expect(rows).toEqual([{ id: 'c1', payload: null, ingested_at: RECEIVED }]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    }
  });
});
