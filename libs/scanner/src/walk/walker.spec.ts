import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import type { ScanError } from '../types';
import { walk, type WalkedFile, type WalkOptions } from './walker';

const BASE: WalkOptions = {
  exclude: [],
  includeNetworkFs: false,
  includePseudoFs: false,
  oneFileSystem: false,
};

interface WalkResult {
  files: WalkedFile[];
  paths: string[];
  errors: ScanError[];
  skips: [string, string][];
  counters: { files: number; directories: number };
}

async function collect(roots: string[], opts: Partial<WalkOptions> = {}): Promise<WalkResult> {
  const result: WalkResult = {
    files: [],
    paths: [],
    errors: [],
    skips: [],
    counters: { files: 0, directories: 0 },
  };
  const options: WalkOptions = { ...BASE, ...opts, onSkip: (p, r) => result.skips.push([p, r]) };
  for await (const f of walk(roots, options, (e) => result.errors.push(e), result.counters))
    result.files.push(f);
  result.paths = result.files.map((f) => f.path).sort();
  return result;
}

function put(file: string, content = 'x'): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'walk-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('walk', () => {
  it('yields every regular file of a nested tree and counts directories', async () => {
    put(`${root}/a.jar`);
    put(`${root}/x/y/z/b.war`);
    put(`${root}/x/c.txt`);
    execFileSync('mkfifo', [`${root}/x/pipe`]);
    const r = await collect([root]);
    expect(r.paths).toEqual([`${root}/a.jar`, `${root}/x/c.txt`, `${root}/x/y/z/b.war`]);
    expect(r.counters).toEqual({ files: 3, directories: 4 });
    expect(r.errors).toEqual([]);
  });

  it('accepts a file as a root', async () => {
    put(`${root}/only.jar`);
    const r = await collect([`${root}/only.jar`]);
    expect(r.paths).toEqual([`${root}/only.jar`]);
  });

  it('reports a missing root as an error and goes on with the others', async () => {
    put(`${root}/a.jar`);
    const r = await collect([`${root}/missing`, root]);
    expect(r.paths).toEqual([`${root}/a.jar`]);
    expect(r.errors).toEqual([
      expect.objectContaining({ path: `${root}/missing`, code: 'io-error' }),
    ]);
  });

  it('follows symlinks to files and directories, walking a directory reached twice only once', async () => {
    put(`${root}/real/lib/log4j.jar`);
    put(`${root}/elsewhere/app.jar`);
    symlinkSync(`${root}/real`, `${root}/link-to-real`);
    symlinkSync('../elsewhere/app.jar', `${root}/real/app-link.jar`);
    symlinkSync(`${root}/nowhere`, `${root}/dangling`);
    const r = await collect([root]);
    expect(r.paths).toEqual([
      `${root}/elsewhere/app.jar`,
      `${root}/real/app-link.jar`,
      `${root}/real/lib/log4j.jar`,
    ]);
    expect(r.errors).toEqual([]);
    expect(r.skips).toContainEqual([
      `${root}/link-to-real`,
      'directory already walked through another path',
    ]);
  });

  it('reports a directory reachable through links under its real path, whichever the walk meets first', async () => {
    put(`${root}/real/deep/lib/log4j.jar`);
    symlinkSync(`${root}/real/deep/lib`, `${root}/alias`);
    symlinkSync('../real/deep/lib', `${root}/real/zalias`);
    mkdirSync(`${root}/m/node_modules/@scope`, { recursive: true });
    symlinkSync('../../../real/deep', `${root}/m/node_modules/@scope/deep`);
    const r = await collect([root]);
    expect(r.paths).toEqual([`${root}/real/deep/lib/log4j.jar`]);
    expect(r.errors).toEqual([]);
  });

  it('ends a symlink loop (dir/link -> ..) with one symlink-loop error naming the link', async () => {
    put(`${root}/dir/a.jar`);
    symlinkSync('..', `${root}/dir/link`);
    const r = await collect([root]);
    expect(r.paths).toEqual([`${root}/dir/a.jar`]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({
      code: 'symlink-loop',
      path: `${root}/dir/link`,
      chain: [`${root}/dir/link`],
    });
  });

  it('reports a self-referencing link as a symlink loop', async () => {
    symlinkSync(`${root}/self`, `${root}/self`);
    const r = await collect([root]);
    expect(r.errors).toEqual([
      expect.objectContaining({ code: 'symlink-loop', path: `${root}/self` }),
    ]);
  });

  it('skips excluded prefixes and globs without descending into excluded directories', async () => {
    put(`${root}/keep/a.jar`);
    put(`${root}/cache/deep/b.jar`);
    put(`${root}/keep/node_modules/m/c.jar`);
    put(`${root}/keep/d.log`);
    const r = await collect([root], { exclude: [`${root}/cache`, '**/node_modules', '*.log'] });
    expect(r.paths).toEqual([`${root}/keep/a.jar`]);
    expect(r.skips.map(([p]) => p).sort()).toEqual([
      `${root}/cache`,
      `${root}/keep/d.log`,
      `${root}/keep/node_modules`,
    ]);
  });

  it('yields raw bytes for a name that is not valid UTF-8, and they open the file', async () => {
    const name = Buffer.concat([Buffer.from('caf'), Buffer.of(0xe9), Buffer.from('.jar')]); // latin1 "café.jar"
    const dir = Buffer.concat([Buffer.from(`${root}/`), Buffer.of(0xff, 0xfe)]);
    mkdirSync(dir);
    writeFileSync(Buffer.concat([dir, Buffer.from('/'), name]), 'latin1 bytes');
    put(`${root}/plain-é.jar`, 'utf8 name');
    const r = await collect([root]);
    expect(r.files).toHaveLength(2);
    const odd = r.files.find((f) => f.raw);
    expect(odd?.path).toBe(`${root}/\uFFFD\uFFFD/caf\uFFFD.jar`);
    expect(readFileSync(odd?.raw ?? '', 'utf8')).toBe('latin1 bytes');
    const plain = r.files.find((f) => !f.raw);
    expect(readFileSync(plain?.path ?? '', 'utf8')).toBe('utf8 name');
  });

  it('skips pseudo filesystems reached through a link unless asked, and says so', async () => {
    symlinkSync('/proc', `${root}/proc-link`);
    const skipped = await collect([root]);
    expect(skipped.files).toEqual([]);
    expect(skipped.skips).toEqual([
      [`${root}/proc-link`, 'pseudo filesystem proc mounted at /proc'],
    ]);
    const asked = await collect([`${root}/proc-link/self/fdinfo`], { includePseudoFs: true });
    expect(asked.files.length).toBeGreaterThan(0);
  });
});

describe('walk across a real mount', () => {
  let mnt: string;
  let sub: string;
  beforeAll(() => {
    mnt = mkdtempSync(path.join(tmpdir(), 'walk-mnt-'));
    sub = path.join(mnt, 'sub');
    mkdirSync(sub);
    const res = spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', sub], { encoding: 'utf8' });
    if (res.status !== 0) {
      throw new Error(
        `this test needs root and mount(8): 'mount -t tmpfs tmpfs ${sub}' failed: ${res.stderr || res.error?.message}`,
      );
    }
    put(`${mnt}/top.jar`);
    put(`${sub}/inner/mounted.jar`);
  });
  afterAll(() => {
    spawnSync('umount', [sub]);
    rmSync(mnt, { recursive: true, force: true });
  });

  it('crosses into the mount by default', async () => {
    const r = await collect([mnt]);
    expect(r.paths).toEqual([`${sub}/inner/mounted.jar`, `${mnt}/top.jar`]);
  });

  it('stays on the root filesystem with oneFileSystem and reports the skipped mount', async () => {
    const r = await collect([mnt], { oneFileSystem: true });
    expect(r.paths).toEqual([`${mnt}/top.jar`]);
    expect(r.skips).toEqual([[sub, 'on another filesystem (one-file-system)']]);
  });

  it('skips a mount that mountinfo calls a network filesystem unless includeNetworkFs', async () => {
    const real = readFileSync('/proc/self/mountinfo', 'latin1');
    const line = real.split('\n').find((l) => l.split(' ')[4] === sub);
    if (!line) throw new Error(`${sub} is not in /proc/self/mountinfo`);
    const fake = path.join(mnt, 'mountinfo');
    writeFileSync(
      fake,
      real.replace(line, line.replace(' - tmpfs tmpfs ', ' - nfs4 server:/export ')),
      'latin1',
    );
    const skipped = await collect([mnt], { mountinfoPath: fake, exclude: [fake] });
    expect(skipped.paths).toEqual([`${mnt}/top.jar`]);
    expect(skipped.skips).toContainEqual([sub, `network filesystem nfs4 mounted at ${sub}`]);
    const asked = await collect([mnt], {
      mountinfoPath: fake,
      exclude: [fake],
      includeNetworkFs: true,
    });
    expect(asked.paths).toEqual([`${sub}/inner/mounted.jar`, `${mnt}/top.jar`]);
  });
});

describe('walk as an unprivileged user', () => {
  it('reports an unreadable directory as permission-denied and walks the rest', () => {
    put(`${root}/open/a.jar`);
    put(`${root}/locked/secret.jar`);
    chmodSync(root, 0o755);
    chmodSync(`${root}/locked`, 0o000);
    const script = path.join(root, 'walk-as-nobody.js');
    buildSync({
      stdin: {
        contents: `
          const { walk } = require(${JSON.stringify(path.join(__dirname, 'walker.ts'))});
          process.setuid('nobody');
          (async () => {
            const out = { files: [], errors: [] };
            const opts = { exclude: [], includeNetworkFs: false, includePseudoFs: false, oneFileSystem: false };
            for await (const f of walk([process.argv[2]], opts, (e) => out.errors.push(e), { files: 0, directories: 0 })) out.files.push(f.path);
            process.stdout.write(JSON.stringify(out));
          })();`,
        resolveDir: __dirname,
        loader: 'js',
      },
      bundle: true,
      platform: 'node',
      outfile: script,
      logLevel: 'error',
    });
    chmodSync(script, 0o644);
    const out = execFileSync(process.execPath, [script, root], { encoding: 'utf8' });
    const { files, errors } = JSON.parse(out) as { files: string[]; errors: ScanError[] };
    expect(files.sort()).toEqual([`${root}/open/a.jar`, script]);
    expect(errors).toEqual([
      expect.objectContaining({ code: 'permission-denied', path: `${root}/locked` }),
    ]);
    expect(errors[0].error).toContain(`${root}/locked`);
  });
});
