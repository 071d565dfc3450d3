import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  compileFixtures,
  CORE,
  killAll,
  type Service,
  startService,
} from '@log4fleet/probe/testing';

// `log4fleet-agent probe` on real JVM HTTP services, through the BUILT agent (npx nx run agent:build).
const WORKSPACE = path.resolve(__dirname, '../../..');
const MAIN = path.join(WORKSPACE, 'dist/apps/agent/main.js');

interface JsonLine {
  type: string;
  location?: string;
  field?: string;
  form?: string;
  outcome?: string;
  exploitable?: boolean;
  exitCode?: number;
  error?: string;
  target?: { port: number };
}

function probe(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [MAIN, 'probe', '--rate', '200', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (res.error) throw res.error;
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const lines = (stdout: string): JsonLine[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JsonLine);

let dir: string;
let vulnerable: Service;
let fixed: Service;

beforeAll(async () => {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: build the agent first (npx nx run agent:build)`);
  dir = mkdtempSync(path.join(tmpdir(), 'probe-cli-'));
  compileFixtures(dir);
  vulnerable = await startService(dir, CORE.vulnerable, 'header:User-Agent');
  fixed = await startService(dir, CORE.fixed, 'header:User-Agent');
}, 180_000);

afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('log4fleet-agent probe', () => {
  it('--json: names the header the vulnerable service looks up, and exits 2', () => {
    const run = probe('--port', String(vulnerable.port), '--json');

    expect(run.code).toBe(2);
    const out = lines(run.stdout);
    expect(out.find((l) => l.type === 'target')).toMatchObject({
      outcome: 'probed',
      target: { port: vulnerable.port },
    });
    const findings = out.filter((l) => l.type === 'finding');
    expect(new Set(findings.map((f) => `${f.location} ${f.field}`))).toEqual(
      new Set(['header User-Agent']),
    );
    expect(out.at(-1)).toMatchObject({ type: 'summary', exploitable: true, exitCode: 2 });
  }, 120_000);

  it('table: the 2.17.1 service gives no callback and exits 0', () => {
    const run = probe('--port', String(fixed.port));

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^${fixed.port}\\s+127\\.0\\.0\\.1\\s+${fixed.pid} java\\s+http\\s+probed\\s+15`,
        'm',
      ),
    );
    expect(run.stdout).toContain('Probed 1 JVM listener(s) with 15 request(s): no callback');
  }, 120_000);

  it('with no --port probes every JVM listener, both services among them', () => {
    const run = probe('--json');

    const ports = lines(run.stdout)
      .filter((l) => l.type === 'target')
      .map((l) => l.target?.port);
    expect(ports).toEqual(expect.arrayContaining([vulnerable.port, fixed.port]));
    expect(run.code).toBe(2);
  }, 120_000);

  it('a port no JVM listens on is an incomplete probe (3); a bad port is a usage error (64)', () => {
    const run = probe('--port', '1', '--json');
    expect(run.code).toBe(3);
    expect(lines(run.stdout)).toContainEqual({
      type: 'error',
      error: 'port 1: no JVM listens on it here; not probed',
    });

    const bad = probe('--port', '70000');
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('expected a whole number from 1 to 65535');
  }, 120_000);
});
