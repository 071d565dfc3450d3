import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import { ZipFile } from 'yazl';

// Runs the BUILT agent, as an admin would. Build first: npx nx run agent:build
const WORKSPACE = path.resolve(__dirname, '../../..');
const MAIN = path.join(WORKSPACE, 'dist/apps/agent/main.js');
const CORPUS = path.join(WORKSPACE, 'libs/scanner/test/fixtures/corpus');
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

/** A zip of one deflated entry whose headers declare `declared` bytes, whatever `deflated` holds. */
function oneEntryZip(name: string, deflated: Buffer, declared: number): Buffer {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflated
  local.writeUInt32LE(deflated.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(deflated.length, 20);
  central.writeUInt32LE(declared, 24);
  central.writeUInt16LE(n.length, 28);
  const cdOffset = local.length + n.length + deflated.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + n.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, deflated, central, n, end]);
}

function corpusJar(name: string): Buffer {
  return readFileSync(path.join(CORPUS, name));
}

/** A war holding a jar stored (uncompressed) under WEB-INF/lib, like real application servers ship. */
async function warWith(jarName: string): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from('Manifest-Version: 1.0\r\n\r\n'), 'META-INF/MANIFEST.MF');
  zip.addBuffer(corpusJar(jarName), `WEB-INF/lib/${jarName}`, { compress: false });
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', resolve);
    zip.outputStream.on('error', reject);
  });
  zip.end();
  await done;
  return Buffer.concat(chunks);
}

let base: string;
const tree = (name: string): string => path.join(base, name);

function place(dir: string, files: Record<string, Buffer | string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

beforeAll(async () => {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: build the agent first (npx nx run agent:build)`);
  if (!existsSync(path.join(CORPUS, 'log4j-core-2.14.1.jar')))
    throw new Error(`slim corpus jars missing in ${CORPUS}`);
  base = mkdtempSync(path.join(tmpdir(), 'scan-cli-'));
  const v2171 = corpusJar('log4j-core-2.17.1.jar');
  place(tree('vulnerable'), {
    'opt/app/lib/log4j-core-2.14.1.jar': corpusJar('log4j-core-2.14.1.jar'),
    'opt/app/lib/log4j-core-2.17.1.jar': v2171,
    'srv/shop.war': await warWith('log4j-core-2.14.1.jar'),
    'srv/readme.txt': 'not a jar',
  });
  place(tree('patched'), {
    'lib/log4j-core-2.17.1.jar': v2171,
    'lib/log4j-api-2.14.1.jar': corpusJar('log4j-api-2.14.1.jar'),
  });
  place(tree('v1'), { 'lib/log4j-1.2.17.jar': corpusJar('log4j-1.2.17.jar') });
  // A jar cut short: local headers but no central directory.
  place(tree('corrupt'), { 'lib/broken.jar': v2171.subarray(0, 4096) });
});

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('log4fleet-agent scan (built)', () => {
  it('exits 2 and lists the vulnerable copies, nested ones too', () => {
    const r = agent('scan', '--threads', '1', tree('vulnerable'));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      new RegExp(
        `${tree('vulnerable')}/opt/app/lib/log4j-core-2\\.14\\.1\\.jar\\s+log4j-core\\s+2\\.14\\.1\\s+vulnerable\\s+.*CVE-2021-44228`,
      ),
    );
    expect(r.stdout).toContain(
      `${tree('vulnerable')}/srv/shop.war!/WEB-INF/lib/log4j-core-2.14.1.jar`,
    );
    expect(r.stdout).toMatch(/log4j-core-2\.17\.1\.jar\s+log4j-core\s+2\.17\.1\s+safe/);
    expect(r.stdout).toMatch(/Scanned \d+ files .*: 2 vulnerable/);
  });

  it('exits 0 for a tree holding only log4j-core 2.17.1 (and log4j-api, which is no finding)', () => {
    const r = agent('scan', '--threads', '0', tree('patched'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/log4j-core\s+2\.17\.1\s+safe/);
    expect(r.stdout).not.toContain('log4j-api');
  });

  it('exits 1 for log4j 1.2.17 only', () => {
    const r = agent('scan', '--threads', '1', tree('v1'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/log4j-1\.2\.17\.jar\s+log4j-1\.x\s+1\.2\.17\s+vulnerable/);
  });

  it('exits 3 when the only jar is corrupt, and names it among the errors', () => {
    const r = agent('scan', '--threads', '1', tree('corrupt'));
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('Errors (1)');
    expect(r.stdout).toContain(`${tree('corrupt')}/lib/broken.jar`);
  });

  it('exits 64 naming the option for bad values', () => {
    for (const args of [
      ['--threads', 'abc'],
      ['--threads', '-1'],
      ['--max-depth', 'x'],
      ['--max-nested-bytes', '12X'],
    ]) {
      const r = agent('scan', ...args, tree('patched'));
      expect({ args, code: r.code }).toEqual({ args, code: 64 });
      expect(r.stderr).toContain(args[0]);
      expect(r.stdout).toBe('');
    }
  });

  it('usage errors print the line that was wrong and where to look, not the whole help', () => {
    const r = agent('scan', '--threads', 'abc', tree('patched'));
    expect(r.code).toBe(64);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      "error: option '--threads <n>' argument 'abc' is invalid. expected a whole number from 0 to 1024.",
      "(run 'log4fleet-agent scan --help' for its options and exit codes)",
    ]);
    const unknown = agent('scan', '--jsn', tree('patched'));
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain("error: unknown option '--jsn'");
    expect(unknown.stderr).not.toContain('Options:');
    const command = agent('scna');
    expect(command.code).toBe(64);
    expect(command.stderr).toContain("error: unknown command 'scna'");
    expect(command.stderr).not.toContain('Commands:');
  });

  it('a file merely named like an archive (vim tutor.bar, a *.PAR scan) is no error: exit 0', () => {
    place(tree('named'), {
      'vim/tutor/tutor.bar': '===== Welcome to the VIM Tutor =====\n'.repeat(300),
      'data/DTI.PAR': '# === DATA DESCRIPTION FILE ===\n'.repeat(20),
      'lib/empty.jar': '',
    });
    const single = agent('scan', '--json', tree('named/vim/tutor/tutor.bar'));
    expect(single.code).toBe(0);
    const lines = single.stdout.trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['summary']);
    const all = agent('scan', tree('named'));
    expect(all.code).toBe(0);
    expect(all.stdout).not.toContain('Errors');
    expect(all.stdout).toMatch(/Scanned 3 files .*0 errors/);
  });

  it('a nested jar whose header lies (declares 40 MB, holds 1 GB of zeros in 1 MB) is a zip-bomb error, found in bounded memory', () => {
    // Full flushes end each piece on a byte boundary with a fresh dictionary, so one deflated
    // 16 MB piece repeated 64 times is a valid stream of 1 GB.
    const zeros = Buffer.alloc(16 << 20);
    const flush = { finishFlush: zlibConstants.Z_FULL_FLUSH };
    const first = deflateRawSync(
      Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), zeros]),
      flush,
    );
    const piece = deflateRawSync(zeros, flush);
    const data = Buffer.concat([
      first,
      ...Array<Buffer>(63).fill(piece),
      deflateRawSync(Buffer.alloc(0)),
    ]);
    place(tree('liar'), { 'app.zip': oneEntryZip('lib/inner.jar', data, 40 << 20) });
    // The agent's own peak RSS, from a preload that prints it at exit.
    const preload = path.join(base, 'max-rss.cjs');
    writeFileSync(
      preload,
      "process.on('exit', () => process.stderr.write(`MAXRSS_KB=${process.resourceUsage().maxRSS}\\n`));",
    );
    const res = spawnSync(
      process.execPath,
      ['-r', preload, MAIN, 'scan', '--json', '--threads', '0', tree('liar')],
      {
        encoding: 'utf8',
        timeout: RUN_TIMEOUT_MS,
      },
    );
    expect(res.status).toBe(3);
    const errors = res.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; code?: string; path?: string })
      .filter((l) => l.type === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ code: 'zip-bomb', path: `${tree('liar')}/app.zip!/lib/inner.jar` }),
    ]);
    const maxRssMb = Number(/MAXRSS_KB=(\d+)/.exec(res.stderr)?.[1]) / 1024;
    // Before it was bounded: 3.2 GB. Now about 130 MB.
    expect(maxRssMb).toBeLessThan(400);
  });

  it('exits 64 for --processes given a PATH: it inspects running JVMs only', () => {
    const r = agent('scan', '--processes', '/tmp');
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--processes inspects running JVMs and takes no PATH');
  });

  it('documents the exit codes in --help', () => {
    const r = agent('scan', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Exit codes:[\s\S]*2\s+at least one vulnerable log4j-core[\s\S]*64\s+usage error/,
    );
  });

  it('says in --help what exit 3 counts, and what is not an error', () => {
    const r = agent('scan', '--help');
    expect(r.stdout).toMatch(
      /\n  3 +the scan is incomplete and nothing above was found: something could not be read/,
    );
    expect(r.stdout).toContain('permission denied');
    expect(r.stdout).toContain('a zip that is corrupt or truncated');
    expect(r.stdout).toMatch(/Not errors: a file that is simply not an archive, whatever its name/);
  });

  it('documents the exit codes of enroll in its --help, 77 and 78 with what they mean', () => {
    const r = agent('enroll', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n  0 +enrolled/);
    expect(r.stdout).toMatch(/\n  77 +not permitted: the token was rejected/);
    expect(r.stdout).toMatch(/\n  78 +configuration: this host is already enrolled/);
  });

  it('--json streams one parseable object per line with the documented fields, then a summary', () => {
    const r = agent('scan', '--json', '--threads', '1', tree('vulnerable'), tree('corrupt'));
    expect(r.code).toBe(2);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const findings = lines.filter((l) => l['type'] === 'finding');
    const errors = lines.filter((l) => l['type'] === 'error');
    expect(findings).toHaveLength(3);
    for (const f of findings) {
      expect(Object.keys(f)).toEqual(
        expect.arrayContaining([
          'path',
          'chain',
          'product',
          'version',
          'versionExact',
          'status',
          'cves',
          'evidence',
          'packageRoot',
          'sha256',
        ]),
      );
    }
    const nested = findings.find((f) => (f['chain'] as string[]).length === 2);
    expect(nested).toMatchObject({
      path: `${tree('vulnerable')}/srv/shop.war!/WEB-INF/lib/log4j-core-2.14.1.jar`,
      chain: [`${tree('vulnerable')}/srv/shop.war`, 'WEB-INF/lib/log4j-core-2.14.1.jar'],
      product: 'log4j-core',
      version: '2.14.1',
      status: 'vulnerable',
    });
    expect(nested?.['sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(errors).toEqual([
      expect.objectContaining({
        path: `${tree('corrupt')}/lib/broken.jar`,
        code: expect.any(String),
        error: expect.any(String),
      }),
    ]);
    const last = lines[lines.length - 1];
    expect(last).toMatchObject({
      type: 'summary',
      findings: 3,
      errors: 1,
      vulnerable: 2,
      exitCode: 2,
    });
    expect(typeof last['durationMs']).toBe('number');
  });

  it('--sarif writes a SARIF 2.1.0 log with results at file URIs', () => {
    const r = agent('scan', '--sarif', '--threads', '1', tree('vulnerable'));
    expect(r.code).toBe(2);
    const log = JSON.parse(r.stdout);
    expect(log.version).toBe('2.1.0');
    const results = log.runs[0].results as {
      ruleId: string;
      level: string;
      locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
    }[];
    expect(results.map((x) => [x.ruleId, x.level])).toEqual([
      ['CVE-2021-44228', 'error'],
      ['CVE-2021-44228', 'error'],
    ]);
    expect(results.map((x) => x.locations[0].physicalLocation.artifactLocation.uri).sort()).toEqual(
      [
        `file://${tree('vulnerable')}/opt/app/lib/log4j-core-2.14.1.jar`,
        `file://${tree('vulnerable')}/srv/shop.war`,
      ],
    );
  });

  it('-o writes the report to a file and nothing to stdout; --exclude skips a directory', () => {
    const out = path.join(base, 'report.jsonl');
    const r = agent(
      'scan',
      '--json',
      '-o',
      out,
      '--exclude',
      `${tree('vulnerable')}/opt`,
      '--exclude',
      '**/*.war',
      tree('vulnerable'),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const lines = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines).toEqual([expect.objectContaining({ type: 'summary', findings: 0, exitCode: 0 })]);
  });

  it('M1: an exclude glob that backtracks exponentially in a regex does not freeze the scan', () => {
    const long = path.join(tree('pathological'), 'a'.repeat(200));
    place(long, { 'log4j-core-2.14.1.jar': corpusJar('log4j-core-2.14.1.jar') });
    const r = agent(
      'scan',
      '--json',
      '--threads',
      '0',
      '--exclude',
      '*a*a*a*a*a*a*a*a*b',
      tree('pathological'),
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${long}/log4j-core-2.14.1.jar`);
  });

  it('M1: exits 64 naming an exclude pattern over the length limit', () => {
    const pattern = `**/${'z'.repeat(5000)}`;
    const r = agent('scan', '--exclude', pattern, tree('patched'));
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('Invalid exclude pattern "**/zzz');
    expect(r.stderr).toContain('5003 characters, more than the limit of 4096');
  });

  it('-o to a path that cannot be written is a usage error, before any scanning', () => {
    const r = agent('scan', '-o', path.join(base, 'no-such-dir', 'out.txt'), tree('patched'));
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(
      `cannot write report to ${path.join(base, 'no-such-dir', 'out.txt')}`,
    );
  });

  it('reports a jar under a name that is not valid UTF-8 with the exact path bytes', () => {
    const dir = Buffer.concat([Buffer.from(`${tree('latin1')}/caf`), Buffer.of(0xe9)]);
    mkdirSync(dir, { recursive: true });
    const jarPath = Buffer.concat([dir, Buffer.from('/log4j-core-2.14.1.jar')]);
    writeFileSync(jarPath, corpusJar('log4j-core-2.14.1.jar'));
    const r = agent('scan', '--json', '--threads', '1', tree('latin1'));
    expect(r.code).toBe(2);
    const finding = JSON.parse(r.stdout.split('\n')[0]) as {
      path: string;
      pathBytesBase64?: string;
    };
    expect(finding.path).toBe(`${tree('latin1')}/caf\uFFFD/log4j-core-2.14.1.jar`);
    expect(Buffer.from(finding.pathBytesBase64 ?? '', 'base64')).toEqual(jarPath);
  });

  it('finds a jar under a PATH argument that is not valid UTF-8 (the bytes from /proc/self/cmdline)', () => {
    const dir = Buffer.concat([Buffer.from(`${tree('latin1-arg')}/caf`), Buffer.of(0xe9)]);
    mkdirSync(dir, { recursive: true });
    const jarPath = Buffer.concat([dir, Buffer.from('/log4j-core-2.14.1.jar')]);
    writeFileSync(jarPath, corpusJar('log4j-core-2.14.1.jar'));
    // Node's spawn encodes arguments as UTF-8: the shell's printf passes the byte 0xe9 as is.
    const script = 'exec "$0" "$1" scan --json --threads 1 "$(printf \'%s/caf\\351\' "$2")"';
    const res = spawnSync('/bin/sh', ['-c', script, process.execPath, MAIN, tree('latin1-arg')], {
      cwd: WORKSPACE,
      encoding: 'utf8',
      timeout: RUN_TIMEOUT_MS,
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(2);
    const lines = res.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const finding = lines.find((l) => l['type'] === 'finding');
    expect(finding).toMatchObject({
      path: `${tree('latin1-arg')}/caf\uFFFD/log4j-core-2.14.1.jar`,
      version: '2.14.1',
      status: 'vulnerable',
    });
    expect(Buffer.from(String(finding?.['pathBytesBase64']), 'base64')).toEqual(jarPath);
    expect(lines[lines.length - 1]).toMatchObject({ type: 'summary', errors: 0 });
  });

  it('draws no progress line when stderr is not a terminal', () => {
    const r = agent('scan', '--threads', '1', tree('vulnerable'));
    expect(r.stderr).not.toContain('scanning:');
    expect(r.stderr).not.toContain('\r');
  });

  it('draws a progress line on a terminal, erases it, then prints the table', () => {
    // script(1) gives the agent a pseudo-terminal; -e passes the agent's exit code through.
    const cmd = `${process.execPath} ${MAIN} scan --threads 1 ${tree('vulnerable')}`;
    const res = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      cwd: WORKSPACE,
      encoding: 'utf8',
      timeout: RUN_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (res.error) throw new Error(`script(1) is needed for this test: ${res.error.message}`);
    expect(res.status).toBe(2);
    const progressAt = res.stdout.indexOf('\r\x1b[Kscanning: ');
    const tableAt = res.stdout.indexOf('PATH');
    expect(progressAt).toBeGreaterThanOrEqual(0);
    expect(res.stdout).toMatch(
      /scanning: \d+ files, \d+ archives, [\d.]+ \w+, \d+ findings, \d+ errors/,
    );
    expect(tableAt).toBeGreaterThan(progressAt);
    expect(res.stdout.lastIndexOf('\r\x1b[K', tableAt)).toBeGreaterThan(progressAt);
  });

  it('--no-progress keeps a terminal free of the progress line', () => {
    const cmd = `${process.execPath} ${MAIN} scan --no-progress --threads 1 ${tree('patched')}`;
    const res = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      cwd: WORKSPACE,
      encoding: 'utf8',
      timeout: RUN_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(res.status).toBe(0);
    expect(res.stdout).not.toContain('scanning:');
    expect(res.stdout).toContain('safe');
  });
});

describe('log4fleet-agent scan across mounts (built, needs root)', () => {
  let top: string;
  let sub: string;
  beforeAll(() => {
    if (!existsSync(MAIN))
      throw new Error(`${MAIN} is missing: build the agent first (npx nx run agent:build)`);
    top = mkdtempSync(path.join(tmpdir(), 'scan-cli-mnt-'));
    sub = path.join(top, 'mnt');
    mkdirSync(sub);
    const res = spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', sub], { encoding: 'utf8' });
    if (res.status !== 0)
      throw new Error(
        `'mount -t tmpfs tmpfs ${sub}' failed (this test runs as root): ${res.stderr || res.error?.message}`,
      );
    place(top, { 'lib/log4j-core-2.17.1.jar': corpusJar('log4j-core-2.17.1.jar') });
    place(sub, { 'lib/log4j-core-2.14.1.jar': corpusJar('log4j-core-2.14.1.jar') });
  });
  afterAll(() => {
    if (!top) return;
    spawnSync('umount', [sub]);
    rmSync(top, { recursive: true, force: true });
  });

  it('scans a mounted tmpfs by default', () => {
    const r = agent('scan', '--threads', '0', top);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${sub}/lib/log4j-core-2.14.1.jar`);
  });

  it('--one-file-system stays off it, and --verbose says what was skipped', () => {
    const r = agent('scan', '--one-file-system', '--verbose', '--threads', '0', top);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('2.14.1');
    expect(r.stderr).toContain(`skipping ${sub}: another filesystem (tmpfs, one-file-system)`);
  });

  it('skips a directory on a pseudo filesystem and --verbose says so', () => {
    const r = agent('scan', '--verbose', '--json', '--threads', '0', '/proc/self/fdinfo');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('skipping /proc/self/fdinfo: pseudo filesystem proc');
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'summary', files: 0 });
  });
});
