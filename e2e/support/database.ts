import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const PORT = '5432';
const USER = 'postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database for one run (127.0.0.1:5432, user postgres), through psql. */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `log4fleet_e2e_${randomBytes(5).toString('hex')}`;
  await psql(`CREATE DATABASE ${name}`);
  return {
    url: `postgres://${USER}@${HOST}:${PORT}/${name}`,
    drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function psql(sql: string): Promise<void> {
  try {
    await run('psql', [
      '-h',
      HOST,
      '-p',
      PORT,
      '-U',
      USER,
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-qc',
      sql,
    ]);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(
      `psql "${sql}" failed (is PostgreSQL on ${HOST}:${PORT}?): ${stderr || String(err)}`,
    );
  }
}
