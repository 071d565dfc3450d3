import { randomUUID } from 'node:crypto';
import { DataSource, DataSourceOptions } from 'typeorm';
import { withStorage } from './support/test-storage';
import { MIGRATIONS } from '../src/database/entities';

const AT = '2026-01-02T03:04:05.000Z';
const BEFORE = MIGRATIONS.findIndex((m) => m.name === 'PathTextForm1764900000000');

/** Paths stored by the controller before the text form: chain (exact, base64) and the old display path. */
const ROWS: Array<{ chain: Buffer[]; old: string; text: string; sqliteOnly?: boolean }> = [
  { chain: [Buffer.from('/opt/a.jar')], old: '/opt/a.jar', text: '/opt/a.jar' },
  {
    chain: [Buffer.from([0x2f, 0xff, 0x2e, 0x6a, 0x61, 0x72])],
    old: '/\uFFFD.jar',
    text: '/\\xff.jar',
  },
  { chain: [Buffer.from('/opt/a\\b.jar')], old: '/opt/a\\b.jar', text: '/opt/a\\\\b.jar' },
  {
    chain: [Buffer.from('/x.war'), Buffer.from('lib/\u0000.jar')],
    old: '/x.war!/lib/\u0000.jar',
    text: '/x.war!/lib/\\x00.jar',
    sqliteOnly: true, // PostgreSQL never stored a NUL: the chunk failed
  },
];

async function upgrade(options: DataSourceOptions, postgres: boolean) {
  const rows = ROWS.filter((r) => !(postgres && r.sqliteOnly));
  const before = await new DataSource({
    ...options,
    migrations: MIGRATIONS.slice(0, BEFORE),
  }).initialize();
  const ids: string[] = [];
  try {
    await before.runMigrations();
    const runner = before.createQueryRunner();
    try {
      // Rows alone, without their scan runs, commands and hosts.
      await runner.query(
        postgres ? 'SET session_replication_role = replica' : 'PRAGMA foreign_keys = OFF',
      );
      const p = (n: number) => (postgres ? `$${n}` : '?');
      for (const row of rows) {
        const chain = JSON.stringify(row.chain.map((c) => c.toString('base64')));
        const id = randomUUID();
        ids.push(id);
        await runner.query(
          `INSERT INTO findings (id, host_id, scan_run_id, command_id, chain, path, product, version,
             version_exact, status, cves, evidence, package_root, sha256, created_at)
           VALUES (${[...Array(15).keys()].map((i) => p(i + 1)).join(', ')})`,
          [
            id,
            'h',
            's',
            'c',
            chain,
            row.old,
            'log4j-core',
            '2.14.1',
            postgres ? true : 1,
            'vulnerable',
            '[]',
            '[]',
            '',
            '',
            AT,
          ],
        );
        await runner.query(
          `INSERT INTO scan_errors (id, host_id, scan_run_id, command_id, chain, path, code, message, created_at)
           VALUES (${[...Array(9).keys()].map((i) => p(i + 1)).join(', ')})`,
          [id, 'h', 's', 'c', chain, row.old, 'corrupt-archive', 'm', AT],
        );
      }
    } finally {
      await runner.release();
    }
  } finally {
    await before.destroy();
  }
  const after = await new DataSource({ ...options, migrations: MIGRATIONS }).initialize();
  try {
    await after.runMigrations();
    const read = async (table: string) => {
      const got = await after.query<Array<{ id: string; path: string }>>(
        `SELECT id, path FROM ${table}`,
      );
      return ids.map((id) => got.find((g) => g.id === id)?.path);
    };
    expect(await read('findings')).toEqual(rows.map((r) => r.text));
    expect(await read('scan_errors')).toEqual(rows.map((r) => r.text));
  } finally {
    await after.destroy();
  }
}

describe('migration: path text form', () => {
  it('rewrites the stored paths of an SQLite database from their exact bytes', () =>
    withStorage('sqlite', (options) => upgrade(options, false)));

  it('rewrites the stored paths of a PostgreSQL database from their exact bytes', () =>
    withStorage('postgres', (options) => upgrade(options, true)));
});
