import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseJavaRelease } from '@log4fleet/inventory';
import { type JvmReport, probeJvms, RESTART_NEEDED } from '../src';
import { compileHold, FIXTURES, killAllJvms, startJvm, type StartedJvm } from './support/jvm';

jest.setTimeout(120_000);

const CORE_2_14_1 = path.join(FIXTURES, 'log4j-core-2.14.1.jar');
const CORE_2_17_1 = path.join(FIXTURES, 'log4j-core-2.17.1.jar');
const API_2_14_1 = path.join(FIXTURES, 'log4j-api-2.14.1.jar');

let work: string;
let classes: string;
let ldap: net.Server;
let other: net.Server;
const accepted: net.Socket[] = [];

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => accepted.push(s));
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** The first indicator port free on 127.0.0.1 (another suite may hold 1389 right now). */
async function listenOnIndicatorPort(): Promise<{
  server: net.Server;
  port: number;
  service: string;
}> {
  const candidates: Array<[number, string]> = [
    [1389, 'LDAP'],
    [1099, 'RMI'],
    [389, 'LDAP'],
    [636, 'LDAPS'],
  ];
  for (const [p, service] of candidates) {
    const server = await listen(p).catch(() => undefined);
    if (server) return { server, port: p, service };
  }
  throw new Error('no indicator port free on 127.0.0.1');
}

function port(server: net.Server): number {
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('server has no port');
  return addr.port;
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'jvm-probe-'));
  classes = path.join(work, 'classes');
  mkdirSync(classes);
  compileHold(classes);
});

afterAll(async () => {
  killAllJvms();
  for (const s of accepted) s.destroy();
  await Promise.all([ldap, other].filter(Boolean).map((s) => new Promise((r) => s.close(r))));
  rmSync(work, { recursive: true, force: true });
});

describe('a JVM with log4j-core 2.14.1 on a wildcard classpath and noLookups set', () => {
  let jvm: StartedJvm;
  let report: JvmReport;
  let lib: string;
  let spawnedAt: number;

  beforeAll(async () => {
    lib = path.join(work, 'lib');
    mkdirSync(lib);
    copyFileSync(CORE_2_14_1, path.join(lib, 'log4j-core-2.14.1.jar'));
    copyFileSync(API_2_14_1, path.join(lib, 'log4j-api-2.14.1.jar'));
    spawnedAt = Date.now();
    jvm = await startJvm({
      classpath: `${classes}:lib/*`,
      cwd: work,
      props: ['-Dlog4j2.formatMsgNoLookups=true'],
      args: [path.join(lib, 'log4j-core-2.14.1.jar')],
    });
    report = await probeJvms({ pids: [jvm.pid] });
  });

  it('lists the process with its main class, user, expanded classpath and Java version', () => {
    const p = report.processes.find((x) => x.pid === jvm.pid);
    expect(p).toBeDefined();
    expect(p?.mainClass).toBe('Hold');
    expect(p?.uid).toBe(process.getuid?.());
    expect(p?.classpath).toEqual([
      classes,
      path.join(lib, 'log4j-api-2.14.1.jar'),
      path.join(lib, 'log4j-core-2.14.1.jar'),
    ]);
    const release = parseJavaRelease(
      readFileSync(path.join(p?.java?.home ?? '/nonexistent', 'release'), 'utf8'),
    ).value;
    expect(p?.java?.version).toBe(release.version);
    expect(p?.exe).toBe(path.join(p?.java?.home ?? '', 'bin', 'java'));
  });

  it('gives a start time between the spawn and the probe', () => {
    const started = Date.parse(report.processes[0]?.startedAt ?? '');
    // btime is rounded down to whole seconds (and clocks drift a little): slack for that only.
    expect(started).toBeGreaterThanOrEqual(spawnedAt - 5000);
    expect(started).toBeLessThanOrEqual(Date.parse(report.probedAt) + 1000);
  });

  it('finds the vulnerable jar it holds open, and not log4j-api', () => {
    const core = report.findings.filter(
      (f) => f.process.pid === jvm.pid && f.product === 'log4j-core',
    );
    expect(core).toHaveLength(1);
    expect(core[0]).toMatchObject({
      version: '2.14.1',
      status: 'vulnerable',
      path: path.join(lib, 'log4j-core-2.14.1.jar'),
      source: 'open-file',
    });
    expect(core[0].cves).toContain('CVE-2021-44228');
    expect(core[0].stale).toBeUndefined();
    expect(report.findings.some((f) => f.path.includes('log4j-api'))).toBe(false);
    expect(report.restartNeeded).toEqual([]);
  });

  it('reports formatMsgNoLookups as a partial mitigation that leaves CVE-2021-45046 open', () => {
    const flag = report.flags.find(
      (f) => f.process.pid === jvm.pid && f.name === 'log4j2.formatMsgNoLookups',
    );
    expect(flag).toMatchObject({
      value: 'true',
      source: 'command-line',
      effect: 'partial-mitigation',
    });
    expect(flag?.doesNotCover.join(' ')).toContain('CVE-2021-45046');
  });

  it('has no indicator: it connects nowhere', () => {
    expect(report.indicators.filter((i) => i.process.pid === jvm.pid)).toEqual([]);
  });
});

describe('a JVM (classpath from CLASSPATH) whose jars were replaced or deleted on disk while it runs', () => {
  let jvm: StartedJvm;
  let report: JvmReport;
  let replaced: string;
  let deleted: string;

  beforeAll(async () => {
    const app = path.join(work, 'app');
    mkdirSync(app);
    replaced = path.join(app, 'log4j-core.jar');
    deleted = path.join(app, 'gone-log4j-core.jar');
    copyFileSync(CORE_2_14_1, replaced);
    copyFileSync(CORE_2_14_1, deleted);
    jvm = await startJvm({
      classpath: `${classes}:${replaced}`,
      classpathVia: 'env',
      args: [replaced, deleted],
      env: { LOG4J_FORMAT_MSG_NO_LOOKUPS: 'true' },
    });
    // The admin "patches": a 2.17.1 copy renamed over the running jar, the other jar removed.
    copyFileSync(CORE_2_17_1, `${replaced}.new`);
    renameSync(`${replaced}.new`, replaced);
    unlinkSync(deleted);
    report = await probeJvms({ pids: [jvm.pid] });
  });

  it('says the process still runs 2.14.1 from the replaced jar although 2.17.1 is on disk', () => {
    const r = report.restartNeeded.find((x) => x.path === replaced);
    expect(r).toMatchObject({ reason: 'replaced', message: RESTART_NEEDED });
    expect(r?.process.pid).toBe(jvm.pid);
    expect(r?.running.map((c) => c.version)).toEqual(['2.14.1']);
    expect(r?.onDisk?.map((c) => c.version)).toEqual(['2.17.1']);
  });

  it('reports the deleted jar as deleted, with the running copy still vulnerable', () => {
    const r = report.restartNeeded.find((x) => x.path === deleted);
    expect(r).toMatchObject({ reason: 'deleted', message: RESTART_NEEDED });
    expect(r?.running).toEqual([
      expect.objectContaining({ version: '2.14.1', status: 'vulnerable' }),
    ]);
    expect(r?.onDisk).toBeUndefined();
  });

  it('keeps the running copies as vulnerable findings marked stale, scanned through the fd', () => {
    const findings = report.findings.filter((f) => f.process.pid === jvm.pid);
    expect(findings.map((f) => [f.path, f.version, f.status, f.stale?.reason]).sort()).toEqual(
      [
        [deleted, '2.14.1', 'vulnerable', 'deleted'],
        [replaced, '2.14.1', 'vulnerable', 'replaced'],
      ].sort(),
    );
    expect(findings.every((f) => f.source === 'open-file')).toBe(true);
  });

  it('reads the classpath from the CLASSPATH variable', () => {
    const p = report.processes.find((x) => x.pid === jvm.pid);
    expect(p).toMatchObject({ classpathSource: 'CLASSPATH', classpath: [classes, replaced] });
  });

  it('reads the noLookups environment variable', () => {
    const flag = report.flags.find((f) => f.process.pid === jvm.pid);
    expect(flag).toMatchObject({
      name: 'LOG4J_FORMAT_MSG_NO_LOOKUPS',
      value: 'true',
      source: 'environment',
      effect: 'partial-mitigation',
    });
  });
});

describe('a JVM connected to an LDAP port', () => {
  let jvm: StartedJvm;
  let report: JvmReport;
  let service: string;
  let ldapPort: number;

  beforeAll(async () => {
    ({ server: ldap, port: ldapPort, service } = await listenOnIndicatorPort());
    other = await listen(0);
    jvm = await startJvm({
      classpath: classes,
      args: [`connect:${ldapPort}`, `connect:${port(other)}`],
    });
    report = await probeJvms({ pids: [jvm.pid], scanJar: () => ({ findings: [], errors: [] }) });
  });

  it('reports exactly the connection to the indicator port, not the other one', () => {
    const mine = report.indicators.filter((i) => i.process.pid === jvm.pid);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      service,
      state: 'ESTABLISHED',
      remote: { address: '127.0.0.1', port: ldapPort },
    });
    expect(mine[0].local.address).toBe('127.0.0.1');
    expect(mine[0].local.port).not.toBe(ldapPort);
  });

  it('finds every test JVM when probing all processes', async () => {
    const all = await probeJvms({ scanJar: () => ({ findings: [], errors: [] }) });
    expect(all.processes.map((p) => p.pid)).toContain(jvm.pid);
    expect(all.processes.every((p) => p.cmdline.length > 0)).toBe(true);
  });
});
