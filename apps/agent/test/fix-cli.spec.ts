import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Runs the BUILT agent, as an admin would. Build first: npx nx run agent:build
const WORKSPACE = path.resolve(__dirname, '../../..');
const MAIN = path.join(WORKSPACE, 'dist/apps/agent/main.js');
const CORE_2_14_1 = path.join(WORKSPACE, 'libs/remediation/test/fixtures/log4j-core-2.14.1.jar');
const SLIM = path.join(WORKSPACE, 'libs/scanner/test/fixtures/corpus');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function agent(...args: string[]): Run {
  const res = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (res.error) throw new Error(`running ${MAIN} ${args.join(' ')} failed: ${res.error.message}`);
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const lines = (out: string): Array<Record<string, unknown>> =>
  out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let dir: string;
let state: string;

beforeAll(() => {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: build the agent first (npx nx run agent:build)`);
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fix-cli-'));
  state = path.join(dir, 'state');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function copy(from: string, name: string): string {
  const file = path.join(dir, name);
  copyFileSync(from, file);
  return file;
}

it('fix --dry-run changes nothing and exits 2 (still vulnerable)', () => {
  const jar = copy(CORE_2_14_1, 'app.jar');
  const before = sha(jar);
  const r = agent('fix', '--dry-run', '--state-dir', state, jar);
  expect(r.code).toBe(2);
  expect(r.stdout).toMatch(/app\.jar\s+2\.14\.1\s+vulnerable\s+would remove JndiLookup/);
  expect(sha(jar)).toBe(before);
});

it('fix, then restore, with --json: exit codes of scan, original bytes back', () => {
  const jar = copy(CORE_2_14_1, 'app.jar');
  const old = copy(path.join(SLIM, 'log4j-core-2.17.0.jar'), 'old.jar');
  const before = sha(jar);
  const fixed = agent('fix', '--json', '--state-dir', state, jar, old);
  // The fixed copy is mitigated (1) but 2.17.0 is refused and still vulnerable (2).
  expect(fixed.code).toBe(2);
  const [a, b, summary] = lines(fixed.stdout);
  expect(a).toMatchObject({ type: 'fix', outcome: 'fixed', sha256Before: before });
  expect(b).toMatchObject({ type: 'fix', outcome: 'refused' });
  expect(JSON.stringify(b)).toMatch(/"code":"upgrade-needed"/);
  expect(summary).toMatchObject({ type: 'summary', fixed: 1, refused: 1, exitCode: 2 });
  expect(agent('fix', '--state-dir', state, jar).code).toBe(1);

  const restored = agent('restore', '--json', '--state-dir', state, jar);
  expect(restored.code).toBe(0);
  expect(lines(restored.stdout)[0]).toMatchObject({ outcome: 'restored' });
  expect(sha(jar)).toBe(before);

  const none = agent('restore', '--state-dir', state, old);
  expect(none.code).toBe(3);
  expect(none.stdout).toMatch(/refused\s+-\s+no backup of/);
});

it('names a missing file and exits 3; a bad option is a usage error', () => {
  const r = agent('fix', '--state-dir', state, path.join(dir, 'nope.jar'));
  expect(r.code).toBe(3);
  expect(r.stdout).toMatch(/nope\.jar: failed: cannot resolve .*nope\.jar/);
  expect(agent('fix', '--bogus', 'x').code).toBe(64);
  expect(agent('restore').code).toBe(64);
});
