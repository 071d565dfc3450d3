import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';

export type TestDatabase = 'sqlite' | 'postgres';

/** A database of the suite's own: the environment that points the controller at it, and its removal. */
export interface Storage {
  env: Record<string, string>;
  dispose(): Promise<void>;
}

const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A temp SQLite file, or a fresh PostgreSQL database `l4f_<label>_<random>` that dispose() drops. */
export async function createStorage(database: TestDatabase, label = 'test'): Promise<Storage> {
  if (database === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `l4f-${label}-`));
    return {
      env: { SQLITE_PATH: join(dir, 'controller.sqlite') },
      dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const name = `l4f_${label}_${randomBytes(6).toString('hex')}`;
  await withPgAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    env: { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}` },
    dispose: () =>
      withPgAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/**
 * Runs `work` on a database of its own (createStorage), given as TypeORM options, and removes the
 * database afterwards: for tests that open their own DataSource (migrations).
 */
export async function withStorage(
  database: TestDatabase,
  work: (options: DataSourceOptions) => Promise<void>,
): Promise<void> {
  const storage = await createStorage(database, 'migration');
  try {
    await work(
      database === 'sqlite'
        ? { type: 'better-sqlite3', database: storage.env.SQLITE_PATH }
        : { type: 'postgres', url: storage.env.DATABASE_URL },
    );
  } finally {
    await storage.dispose();
  }
}

async function withPgAdmin<T>(work: (client: DataSource) => Promise<T>): Promise<T> {
  const client = await new DataSource({ type: 'postgres', url: PG_ADMIN_URL }).initialize();
  try {
    return await work(client);
  } finally {
    await client.destroy();
  }
}
