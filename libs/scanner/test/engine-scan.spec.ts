import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { getPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { scan, scanDirectoryTree } from '../src/engine';
import {
  DEFAULT_LIMITS,
  type Finding,
  type ScanError,
  type ScanOptions,
  type ScanProgress,
} from '../src/types';
import { buildZip, fixturePath, readFixtureEntries, renameExt } from './support/jar-builder';
import { buildScript, buildWorker, makeTempDir } from './engine-support';

const core214 = readFileSync(fixturePath('log4j-core-2.14.1.jar'));
const core2171 = readFileSync(fixturePath('log4j-core-2.17.1.jar'));
const v1 = readFileSync(fixturePath('log4j-1.2.17.jar'));

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir('engine-scan')));
afterEach(() => cleanup());

function put(rel: string, data: Buffer | string): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
  return p;
}

function options(paths: Array<string | Buffer>, over: Partial<ScanOptions> = {}): ScanOptions {
  return {
    paths,
    exclude: [],
    includeNetworkFs: false,
    oneFileSystem: false,
    threads: 0,
    nice: false,
    limits: DEFAULT_LIMITS,
    ...over,
  };
}

interface Collected {
  findings: Finding[];
  errors: ScanError[];
  progress: ScanProgress[];
}

async function run(
  opts: ScanOptions,
  internals = {},
): Promise<Collected & { summary: Awaited<ReturnType<typeof scan>> }> {
  const c: Collected = { findings: [], errors: [], progress: [] };
  const summary = await scan(
    opts,
    {
      finding: (f) => c.findings.push(f),
      error: (e) => c.errors.push(e),
      progress: (p) => c.progress.push(p),
    },
    internals,
  );
  return { ...c, summary };
}

function view(c: Collected): { findings: string[]; errors: string[] } {
  return {
    findings: c.findings.map((f) => `${f.path} ${f.version} ${f.status} ${f.sha256 ?? '-'}`).sort(),
    errors: c.errors.map((e) => `${e.path} ${e.code}`).sort(),
  };
}

type Run = Awaited<ReturnType<typeof run>>;

/** Two scans of the same tree found and reported the same, and counted the same files, archives and bytes. */
function expectSameScan(actual: Run, expected: Run): void {
  expect(view(actual)).toEqual(view(expected));
  expect(actual.summary).toMatchObject({
    files: expected.summary.files,
    archives: expected.summary.archives,
    bytes: expected.summary.bytes,
  });
}

/** Threads of this process whose nice value is 19 (field 19 of /proc/self/task/TID/stat). */
function threadsAtNice19(): number {
  let n = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16] === '19') n++;
    } catch {
      // the thread ended meanwhile
    }
  }
  return n;
}

async function explode(into: string, fixture: string, classExt = '.class'): Promise<void> {
  const entries = renameExt(await readFixtureEntries(fixture), '.class', classExt);
  for (const e of entries) put(join(into, e.name), e.data);
}

/** A small tree: jars, a nested war, exploded copies, filler files over several batches. */
async function makeTree(): Promise<void> {
  put('opt/a/log4j-core-2.14.1.jar', core214);
  put(
    'opt/b/app.war',
    await buildZip([{ name: 'WEB-INF/lib/log4j-core-2.17.1.jar', data: core2171 }]),
  );
  put('opt/c/legacy.jar', v1);
  put('opt/d/broken.jar', 'not a zip but named like one');
  for (let i = 0; i < 300; i++) put(`var/filler/f${i}.txt`, `line ${i}\n`.repeat(i % 7));
  await explode('srv/app/WEB-INF/classes', 'log4j-core-2.14.1.jar');
  await explode('srv/old/classes', 'log4j-1.2.17.jar');
}

describe('scan', () => {
  it('finds exploded copies once each, reported at the directory holding the package root', async () => {
    await makeTree();
    await explode('srv/agent/classes', 'log4j-core-2.17.1.jar', '.esclazz');
    const r = await scanDirectoryTree(join(dir, 'srv'));
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => [f.path, f.chain, f.version, f.sha256])).toEqual(
      expect.arrayContaining([
        [
          join(dir, 'srv/app/WEB-INF/classes'),
          [join(dir, 'srv/app/WEB-INF/classes')],
          '2.14.1',
          undefined,
        ],
        [join(dir, 'srv/old/classes'), [join(dir, 'srv/old/classes')], '1.2.17', undefined],
        [join(dir, 'srv/agent/classes'), [join(dir, 'srv/agent/classes')], '2.17.1', undefined],
      ]),
    );
    expect(r.findings).toHaveLength(3);
  });

  it('walks directories and files, streams findings and errors, and reports progress and a summary', async () => {
    await makeTree();
    const missing = join(dir, 'no/such/path');
    const single = join(dir, 'opt/a/log4j-core-2.14.1.jar');
    const r = await run(options([join(dir, 'opt'), join(dir, 'var'), missing, single]));
    expect(view(r).errors).toEqual([`${missing} io-error`]);
    expect(r.findings.map((f) => `${f.path} ${f.version}`).sort()).toEqual([
      `${join(dir, 'opt/a/log4j-core-2.14.1.jar')} 2.14.1`,
      `${join(dir, 'opt/a/log4j-core-2.14.1.jar')} 2.14.1`,
      `${join(dir, 'opt/b/app.war')}!/WEB-INF/lib/log4j-core-2.17.1.jar 2.17.1`,
      `${join(dir, 'opt/c/legacy.jar')} 1.2.17`,
    ]);
    expect(r.summary).toMatchObject({
      files: 305,
      findings: 4,
      errors: 1,
      vulnerable: 3,
      safe: 1,
      archives: 5,
    });
    const last = r.progress[r.progress.length - 1];
    expect(last).toEqual({
      files: 305,
      directories: r.summary.directories,
      archives: 5,
      bytes: r.summary.bytes,
      findings: 4,
      errors: 1,
    });
  });

  describe('with worker threads', () => {
    let workerFile: string;
    let workerDir: { dir: string; cleanup(): void };
    beforeAll(async () => {
      workerDir = makeTempDir('worker');
      workerFile = await buildWorker(workerDir.dir);
    }, 60_000);
    afterAll(() => workerDir.cleanup());

    it('finds the same as a scan in the calling thread', async () => {
      await makeTree();
      const inThread = await run(options([dir]));
      const workers = await run(options([dir], { threads: 2, workerFile }));
      const niceWorkers = await run(options([dir], { threads: 2, workerFile, nice: true }));
      expect(view(inThread).findings).toHaveLength(5);
      expectSameScan(workers, inThread);
      expect(view(niceWorkers)).toEqual(view(inThread));
    }, 60_000);

    it('runs at nice 19 in the calling thread and the workers when asked, and restores the caller', async () => {
      await makeTree();
      const before = getPriority();
      let niceThreads = 0;
      const sink = {
        finding: () => (niceThreads = Math.max(niceThreads, threadsAtNice19())),
        error: () => undefined,
      };
      await scan(options([dir], { threads: 2, workerFile, nice: true }), sink);
      expect(niceThreads).toBeGreaterThanOrEqual(3);
      expect(getPriority()).toBe(before);
    }, 60_000);

    it.each([0, 2])(
      'stops when aborted (threads %i): the scan rejects with an AbortError',
      async (threads) => {
        await makeTree();
        const ac = new AbortController();
        const seen: Finding[] = [];
        const sink = {
          finding: (f: Finding) => (seen.push(f), ac.abort()),
          error: () => undefined,
        };
        const opts = options([dir], { threads, workerFile, signal: ac.signal });
        await expect(scan(opts, sink)).rejects.toMatchObject({ name: 'AbortError' });
        expect(seen.length).toBeGreaterThanOrEqual(1);
        expect(seen.length).toBeLessThan(5);
      },
      60_000,
    );

    it('fails the scan when the sink throws, in worker mode as in the calling thread', async () => {
      await makeTree();
      const sink = {
        finding: () => {
          throw new Error('report disk full');
        },
        error: () => undefined,
      };
      for (const threads of [0, 2]) {
        await expect(scan(options([dir], { threads, workerFile }), sink)).rejects.toThrow(
          'report disk full',
        );
      }
    }, 60_000);

    it('reading ahead (what a worker does once the disk makes it wait) finds and reports the same as reading in turn', async () => {
      await makeTree();
      // Files whose opens or reads fail or vanish must come out of the read-ahead path as they
      // do out of the synchronous one: a non-UTF-8 name, an empty file, a zip cut short.
      writeFileSync(
        Buffer.concat([Buffer.from(`${dir}/var/`), Buffer.of(0xff), Buffer.from('.jar')]),
        core214,
      );
      writeFileSync(join(dir, 'var/empty.jar'), '');
      writeFileSync(join(dir, 'var/cut.jar'), core214.subarray(0, 5000));
      const inTurn = await run(options([dir], { threads: 1, workerFile }));
      const ahead = await run(options([dir], { threads: 1, workerFile }), {
        readAheadAlways: true,
      });
      expect(view(inTurn).findings.length).toBeGreaterThanOrEqual(6);
      expect(view(inTurn).errors).toContain(`${join(dir, 'var/cut.jar')} truncated-archive`);
      expectSameScan(ahead, inTurn);
    }, 60_000);

    it('replaces a crashed worker: the file it was on becomes an internal error, nothing else is lost', async () => {
      await makeTree();
      const victim = join(dir, 'var/filler/f7.txt');
      const expected = await run(options([dir]));
      const r = await run(options([dir], { threads: 1, workerFile }), { crashOnPath: victim });
      expect(view(r).findings).toEqual(view(expected).findings);
      expect(view(r).errors).toEqual([...view(expected).errors, `${victim} internal`].sort());
      expect(r.errors.find((e) => e.code === 'internal')?.error).toMatch(/crashed/);
    }, 60_000);
  });

  it('scans roots given as bytes that are not UTF-8, and reports them with those bytes', async () => {
    const cafe = Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.of(0xe9)]); // latin-1 "café"
    mkdirSync(cafe);
    const inCafe = (name: string): Buffer => Buffer.concat([cafe, Buffer.from(`/${name}`)]);
    writeFileSync(inCafe('log4j-core-2.14.1.jar'), core214);
    writeFileSync(inCafe('broken.jar'), 'not a zip but named like one');
    const fileRoot = Buffer.concat([Buffer.from(`${dir}/`), Buffer.of(0xff), Buffer.from('.jar')]);
    writeFileSync(fileRoot, core2171);
    const missing = Buffer.concat([Buffer.from(`${dir}/gone`), Buffer.of(0xfe)]);
    const r = await run(options([cafe, fileRoot, missing]));
    const bytesOf = (x: { pathBytesBase64?: string }): string =>
      Buffer.from(x.pathBytesBase64 ?? '', 'base64').toString('latin1');
    expect(r.findings.map((f) => [bytesOf(f), f.version, f.status]).sort()).toEqual(
      [
        [inCafe('log4j-core-2.14.1.jar').toString('latin1'), '2.14.1', 'vulnerable'],
        [fileRoot.toString('latin1'), '2.17.1', 'safe'],
      ].sort(),
    );
    expect(r.findings.map((f) => f.path).sort()).toEqual(
      [`${dir}/caf\uFFFD/log4j-core-2.14.1.jar`, `${dir}/\uFFFD.jar`].sort(),
    );
    expect(r.errors.map((e) => [bytesOf(e), e.code]).sort()).toEqual([
      [missing.toString('latin1'), 'io-error'],
    ]);
  });

  it('Low: a log4j class the detector needs but will not read is an error record naming it (exploded and in a jar)', async () => {
    const JL = 'org/apache/logging/log4j/core/lookup/JndiLookup.class';
    // Exploded: a real 4 GiB JndiLookup.class (sparse: no disk used, and never read).
    await explode('srv/app/WEB-INF/classes', 'log4j-core-2.14.1.jar');
    const classes = join(dir, 'srv/app/WEB-INF/classes');
    truncateSync(join(classes, JL), 4 * 1024 ** 3);
    // In a jar: the same refusal, with the entry limit lowered so the test stays small.
    const entries = await readFixtureEntries('log4j-core-2.14.1.jar');
    const jar = put(
      'opt/big-lookup.jar',
      await buildZip(
        entries.map((e) =>
          e.name === JL ? { name: JL, data: Buffer.alloc(2 * 1024 * 1024), store: true } : e,
        ),
      ),
    );
    const r = await run(
      options([dir], { limits: { ...DEFAULT_LIMITS, maxEntryBytes: 1024 * 1024 } }),
    );
    expect(r.findings.map((f) => [f.path, f.version, f.status]).sort()).toEqual([
      [jar, '2.14.1', 'vulnerable'],
      [classes, '2.14.1', 'vulnerable'],
    ]);
    expect(r.errors.map((e) => [e.chain, e.code])).toEqual(
      expect.arrayContaining([
        [[join(classes, JL)], 'too-large'],
        [[jar, JL], 'too-large'],
      ]),
    );
    expect(r.errors).toHaveLength(2);
  });

  it('Low: a jar holding only an oversized JndiLookup.class is an error record, not a clean scan', async () => {
    const JL = 'org/apache/logging/log4j/core/lookup/JndiLookup.class';
    const jar = put(
      'opt/lone-lookup.jar',
      await buildZip([{ name: JL, data: Buffer.alloc(2 * 1024 * 1024), store: true }]),
    );
    const r = await run(
      options([dir], { limits: { ...DEFAULT_LIMITS, maxEntryBytes: 1024 * 1024 } }),
    );
    expect(r.findings).toEqual([]);
    expect(r.errors.map((e) => [e.chain, e.code])).toEqual([[[jar, JL], 'too-large']]);
    expect(r.errors[0].error).toMatch(/not inspected/);
  });

  it('fails the scan with an error naming the worker file when that file cannot run', async () => {
    put('a.txt', 'x');
    const bad = put('bad-worker.js', 'throw new Error("broken bundle");');
    await expect(run(options([dir], { threads: 2, workerFile: bad }))).rejects.toThrow(
      /bad-worker\.js keeps dying/,
    );
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot(
    'reports a file it may not read as permission-denied (scanned as nobody)',
    async () => {
      chmodSync(dir, 0o755);
      const locked = put('locked.jar', core214);
      chmodSync(locked, 0o000);
      const script = await buildScript(
        dir,
        'as-nobody',
        `import { scanFile } from '../src/engine';
       process.setuid('nobody');
       process.stdout.write(JSON.stringify(scanFile(process.argv[2])));`,
      );
      chmodSync(script, 0o644);
      const out = JSON.parse(
        execFileSync(process.execPath, [script, locked], { encoding: 'utf8' }),
      ) as { errors: ScanError[] };
      expect(out.errors.map((e) => [e.path, e.code])).toEqual([[locked, 'permission-denied']]);
    },
    60_000,
  );
});
