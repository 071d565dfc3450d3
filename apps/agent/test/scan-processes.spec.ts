import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// `log4fleet-agent scan --processes` on real JVMs, through the BUILT agent (npx nx run agent:build).
const WORKSPACE = path.resolve(__dirname, '../../..');
const MAIN = path.join(WORKSPACE, 'dist/apps/agent/main.js');
const CORPUS = path.join(WORKSPACE, 'libs/scanner/test/fixtures/corpus');
const HOLD_SRC = path.join(WORKSPACE, 'libs/jvm-probe/test/fixtures/Hold.java');

interface JsonLine {
  type: string;
  path?: string;
  version?: string;
  status?: string;
  evidence?: string[];
  process?: { pid: number };
  name?: string;
  value?: string;
  service?: string;
  remote?: { address: string; port: number };
  covers?: string[];
  doesNotCover?: string[];
}

function scanProcesses(): { code: number | null; lines: JsonLine[]; stderr: string } {
  const res = spawnSync(process.execPath, [MAIN, 'scan', '--processes', '--json'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (res.error) throw res.error;
  const lines = res.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JsonLine);
  return { code: res.status, lines, stderr: res.stderr };
}

function startHold(dir: string, args: string[], props: string[] = []): Promise<ChildProcess> {
  const child = spawn(
    'java',
    ['-Xmx32m', '-XX:+UseSerialGC', ...props, '-cp', dir, 'Hold', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`Hold exited early with ${code}`)));
    setTimeout(() => reject(new Error('Hold did not start within 60 s')), 60_000).unref();
  });
}

describe('log4fleet-agent scan --processes (real JVMs)', () => {
  let dir: string;
  let jvm: ChildProcess | undefined;
  let listener: Server | undefined;

  beforeAll(() => {
    if (!existsSync(MAIN))
      throw new Error(`${MAIN} is missing: build the agent first (npx nx run agent:build)`);
    dir = mkdtempSync(path.join(tmpdir(), 'l4f-procscan-'));
    execFileSync('javac', ['-d', dir, HOLD_SRC], { timeout: 120_000 });
  });

  afterEach(() => {
    jvm?.kill('SIGKILL');
    jvm = undefined;
    listener?.close();
    listener = undefined;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the vulnerable jar a running JVM holds, with its pid, and exits 2', async () => {
    const jar = path.join(dir, 'app-lib.jar');
    copyFileSync(path.join(CORPUS, 'log4j-core-2.14.1.jar'), jar);
    jvm = await startHold(dir, [jar]);
    const { code, lines } = scanProcesses();
    const finding = lines.find((l) => l.type === 'finding' && l.path === jar);
    expect(finding).toMatchObject({ version: '2.14.1', status: 'vulnerable' });
    expect(finding?.evidence?.some((e) => e.includes(`pid ${jvm?.pid}`))).toBe(true);
    expect(code).toBe(2);
  });

  it('says a restart is needed when the jar was patched on disk while the JVM runs', async () => {
    const jar = path.join(dir, 'patched.jar');
    copyFileSync(path.join(CORPUS, 'log4j-core-2.14.1.jar'), jar);
    jvm = await startHold(dir, [jar]);
    const fixed = path.join(dir, 'fixed.jar');
    copyFileSync(path.join(CORPUS, 'log4j-core-2.17.1.jar'), fixed);
    renameSync(fixed, jar);
    const { lines } = scanProcesses();
    const stale = lines.find(
      (l) =>
        l.type === 'finding' &&
        l.path === jar &&
        l.evidence?.some((e) => e.includes('restart needed')),
    );
    expect(stale).toMatchObject({ version: '2.14.1', status: 'vulnerable' });
  });

  it('names an outbound LDAP connection and the flags of a JVM on stderr, and as jvm-indicator / jvm-flag records in --json', async () => {
    listener = createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((resolve, reject) => {
      listener?.once('error', reject);
      listener?.listen(1389, '127.0.0.1', resolve);
    });
    jvm = await startHold(dir, ['connect:1389'], ['-Dlog4j2.formatMsgNoLookups=true']);
    const { stderr, lines } = scanProcesses();
    expect(stderr).toMatch(new RegExp(`indicator: JVM pid ${jvm.pid}.*LDAP`));
    expect(stderr).toMatch(new RegExp(`pid ${jvm.pid}.*log4j2.formatMsgNoLookups=true`));
    // --json carries the same facts as typed records
    const pid = jvm.pid;
    expect(lines.find((l) => l.type === 'jvm-indicator' && l.process?.pid === pid)).toMatchObject({
      service: 'LDAP',
      remote: { address: '127.0.0.1', port: 1389 },
    });
    const flag = lines.find((l) => l.type === 'jvm-flag' && l.process?.pid === pid);
    expect(flag).toMatchObject({ name: 'log4j2.formatMsgNoLookups', value: 'true' });
    expect(flag?.doesNotCover?.length).toBeGreaterThan(0);
  });
});
