import { DataSource, DataSourceOptions } from 'typeorm';
import { withStorage } from './support/test-storage';
import { MIGRATIONS } from '../src/database/entities';

jest.setTimeout(60_000);

const AT = '2026-01-02T03:04:05.000Z';
const BEFORE = MIGRATIONS.findIndex((m) => m.name === 'HostTruth1765600000000');
const HOST = '11111111-1111-4111-8111-111111111111';

/**
 * Issue 14: a database from before host truth. The host's last scan (s2, a full scan with an
 * error) held its inventory; s1 (of /srv) is older. After the migration the host shows the same
 * findings (now marked current), a JVM's copy is owned by the processes, and each run has its
 * scope and completeness.
 */
async function upgrade(options: DataSourceOptions, postgres: boolean): Promise<void> {
  const before = await new DataSource({
    ...options,
    migrations: MIGRATIONS.slice(0, BEFORE),
  }).initialize();
  try {
    await before.runMigrations();
    const runner = before.createQueryRunner();
    try {
      await runner.query(
        postgres ? 'SET session_replication_role = replica' : 'PRAGMA foreign_keys = OFF',
      );
      const p = (count: number) =>
        [...Array(count).keys()].map((i) => (postgres ? `$${i + 1}` : '?')).join(', ');
      const bool = (b: boolean) => (postgres ? b : Number(b));
      await runner.query(
        `INSERT INTO hosts (id, hostname, fqdn, machine_id, os_name, os_version, kernel, arch,
           addresses, tags, status, flagged, last_scan_run_id, created_at) VALUES (${p(14)})`,
        [HOST, 'h', 'h', 'm', 'o', 'v', 'k', 'a', '[]', '[]', 'vulnerable', bool(false), 's2', AT],
      );
      for (const [id, payload] of [
        ['c1', '{"paths":["/srv"],"processes":false}'],
        ['c2', '{}'],
      ])
        await runner.query(
          `INSERT INTO commands (id, host_id, agent_id, kind, payload, state, created_by, created_at,
             expires_at) VALUES (${p(9)})`,
          [id, HOST, 'a', 'scan', payload, 'succeeded', 'x', AT, AT],
        );
      for (const [id, command, errors] of [
        ['s1', 'c1', 0],
        ['s2', 'c2', 1],
      ] as const)
        await runner.query(
          `INSERT INTO scan_runs (id, host_id, command_id, finished_at, files, directories, archives,
             bytes_read, findings_count, errors_count, vulnerable, mitigated, safe, unknown,
             duration_ms, created_at) VALUES (${p(16)})`,
          [id, HOST, command, AT, 0, 0, 0, 0, 1, errors, 0, 0, 0, 0, 0, AT],
        );
      for (const [id, run, evidence] of [
        ['f1', 's1', '["JndiLookup.class present"]'],
        ['f2', 's2', '["JndiLookup.class present"]'],
        ['f3', 's2', '["running in JVM pid 7 (app), open file"]'],
      ])
        await runner.query(
          `INSERT INTO findings (id, host_id, scan_run_id, command_id, chain, path, product, version,
             version_exact, status, cves, evidence, package_root, sha256, created_at)
           VALUES (${p(15)})`,
          [
            id,
            HOST,
            run,
            'c',
            '[]',
            `/srv/${id}.jar`,
            'log4j-core',
            '2.14.1',
            bool(true),
            'vulnerable',
            '[]',
            evidence,
            '',
            '',
            AT,
          ],
        );
    } finally {
      await runner.release();
    }
  } finally {
    await before.destroy();
  }
  const after = await new DataSource({ ...options, migrations: MIGRATIONS }).initialize();
  try {
    await after.runMigrations();
    const findings = await after.query<Array<{ id: string; current: unknown; source: string }>>(
      'SELECT id, current, source FROM findings ORDER BY id',
    );
    expect(findings.map((f) => [f.id, Boolean(f.current), f.source])).toEqual([
      ['f1', false, 'path'],
      ['f2', true, 'path'],
      ['f3', true, 'process'],
    ]);
    const runs = await after.query<
      Array<{ id: string; scope: string; completeness: string; incomplete_reason: string | null }>
    >('SELECT id, scope, completeness, incomplete_reason FROM scan_runs ORDER BY id');
    expect(runs.map((r) => [r.id, JSON.parse(r.scope) as unknown, r.completeness])).toEqual([
      ['s1', expect.objectContaining({ roots: ['/srv'], processes: false }), 'complete'],
      ['s2', expect.objectContaining({ roots: ['/'], processes: true }), 'incomplete'],
    ]);
    const commands = await after.query<Array<{ verification_targets: string | null }>>(
      'SELECT verification_targets FROM commands',
    );
    expect(commands.map((c) => c.verification_targets)).toEqual([null, null]);
    await after.undoLastMigration();
  } finally {
    await after.destroy();
  }
}

describe('migration: host truth', () => {
  it('keeps each host’s last scan’s findings as its current ones on SQLite, and goes back', () =>
    withStorage('sqlite', (options) => upgrade(options, false)));

  it('keeps each host’s last scan’s findings as its current ones on PostgreSQL, and goes back', () =>
    withStorage('postgres', (options) => upgrade(options, true)));
});
