import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanFile } from '../src/engine';
import { removeSpills, spillPrefix } from '../src/engine/archive.scanner';
import type { ScanError } from '../src/types';
import { buildZip, fixturePath, readFixtureEntries, relocate } from './support/jar-builder';
import { makeTempDir, yazlZip } from './engine-support';

const core214 = readFileSync(fixturePath('log4j-core-2.14.1.jar'));
const core2171 = readFileSync(fixturePath('log4j-core-2.17.1.jar'));
const LAUNCH_SCRIPT = Buffer.from(
  '#!/bin/bash\n# Spring Boot launch script\nexec java -jar "$0" "$@"\nexit 0\n',
);

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir('engine')));
afterEach(() => cleanup());

function put(name: string, data: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function brief(e: ScanError): { path: string; code: string } {
  return { path: e.path, code: e.code };
}

async function nest4(): Promise<Buffer> {
  const app = await buildZip([{ name: 'lib/log4j-core-2.14.1.jar', data: core214 }]);
  const war = await buildZip([{ name: 'WEB-INF/lib/app.jar', data: app }]);
  return buildZip([{ name: 'web.war', data: war }]);
}

describe('scanFile', () => {
  it('finds a vulnerable jar and hashes the file it is in', () => {
    const p = put('log4j-core-2.14.1.jar', core214);
    const r = scanFile(p);
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      path: p,
      chain: [p],
      version: '2.14.1',
      status: 'vulnerable',
      sha256: sha256(core214),
    });
    expect(r).toMatchObject({ archives: 1, bytes: core214.length });
  });

  it('follows ear -> war -> jar -> jar and reports the exact chain', async () => {
    const ear = await nest4();
    const p = put('outer.ear', ear);
    const r = scanFile(p);
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => f.path)).toEqual([
      `${p}!/web.war!/WEB-INF/lib/app.jar!/lib/log4j-core-2.14.1.jar`,
    ]);
    expect(r.findings[0]).toMatchObject({
      chain: [p, 'web.war', 'WEB-INF/lib/app.jar', 'lib/log4j-core-2.14.1.jar'],
      version: '2.14.1',
      sha256: sha256(ear),
    });
    expect(r.archives).toBe(4);
  });

  it('shows displayPath instead of the path it opened (a JVM probe reading /proc/PID/fd/N)', async () => {
    const p = put('opened-as.bin', await nest4());
    const r = scanFile(p, { displayPath: '/opt/app/app.ear (deleted)' });
    expect(r.findings[0].chain[0]).toBe('/opt/app/app.ear (deleted)');
  });

  it('reads a Spring Boot fat jar with stored inner jars, also behind a launch script', async () => {
    const fat = await buildZip([
      {
        name: 'META-INF/MANIFEST.MF',
        data: Buffer.from('Main-Class: org.springframework.boot.loader.JarLauncher\r\n'),
      },
      { name: 'BOOT-INF/classes/com/acme/App.class', data: Buffer.from('cafebabe', 'hex') },
      { name: 'BOOT-INF/lib/log4j-core-2.17.1.jar', data: core2171, store: true },
      { name: 'BOOT-INF/lib/log4j-core-2.14.1.jar', data: core214, store: true },
    ]);
    for (const [name, bytes] of [
      ['app.jar', fat],
      ['app-exec.jar', Buffer.concat([LAUNCH_SCRIPT, fat])],
    ] as const) {
      const p = put(name, bytes);
      const r = scanFile(p);
      expect(r.errors).toEqual([]);
      expect(r.findings.map((f) => [f.path, f.version, f.status])).toEqual([
        [`${p}!/BOOT-INF/lib/log4j-core-2.17.1.jar`, '2.17.1', 'safe'],
        [`${p}!/BOOT-INF/lib/log4j-core-2.14.1.jar`, '2.14.1', 'vulnerable'],
      ]);
    }
  });

  it('finds a launch-script jar even when its name does not say archive', () => {
    const p = put('myservice', Buffer.concat([LAUNCH_SCRIPT, core214]));
    expect(scanFile(p).findings.map((f) => f.version)).toEqual(['2.14.1']);
  });

  it('reads zip64 archives and archives written with data descriptors', async () => {
    const entries = await readFixtureEntries('log4j-core-2.14.1.jar');
    const z64 = put('z64.jar', await yazlZip(entries, { zip64: true }));
    const streamed = put(
      'streamed.jar',
      await yazlZip(entries.map((e) => ({ ...e, stream: true }))),
    );
    for (const p of [z64, streamed]) {
      const r = scanFile(p);
      expect(r.errors).toEqual([]);
      expect(r.findings.map((f) => [f.path, f.version])).toEqual([[p, '2.14.1']]);
    }
  });

  it('reports both copies in an uber jar, so a safe copy does not mask a vulnerable one', async () => {
    const shaded = relocate(
      await readFixtureEntries('log4j-core-2.14.1.jar'),
      'org/apache/logging/log4j/',
      'shaded/org/apache/logging/log4j/',
    );
    const uber = [
      ...(await readFixtureEntries('log4j-core-2.17.1.jar')),
      ...shaded.filter((e) => !e.name.startsWith('META-INF/')),
    ];
    const p = put('uber.jar', await buildZip(uber));
    const r = scanFile(p);
    const got = r.findings.map((f) => [f.path, f.packageRoot, f.status]).sort();
    expect(got).toEqual([
      [p, 'org/apache/logging/log4j/', 'safe'],
      [p, 'shaded/org/apache/logging/log4j/', 'vulnerable'],
    ]);
  });

  it('recognises zips by structure whatever the extension, outside and inside', async () => {
    const outer = put('bundle.zip', await buildZip([{ name: 'payload/x.bin', data: core214 }]));
    const bare = put('x.dat', core214);
    expect(scanFile(outer).findings.map((f) => f.path)).toEqual([`${outer}!/payload/x.bin`]);
    expect(scanFile(bare).findings.map((f) => f.path)).toEqual([bare]);
  });

  it('a walked file deleted before it is opened is no error; a named file that is missing is one', () => {
    const gone = join(dir, 'rotated.log.1');
    expect(scanFile(gone, { regularFile: true })).toMatchObject({ findings: [], errors: [] });
    expect(scanFile(gone).errors.map(brief)).toEqual([{ path: gone, code: 'io-error' }]);
  });

  it('reports broken zips, and no error for files that are merely named like archives', () => {
    const cases: Array<[string, Buffer, string | undefined]> = [
      ['empty.jar', Buffer.alloc(0), undefined],
      ['tiny.jar', Buffer.from('PK\x03\x04abc'), 'truncated-archive'],
      ['half.jar', core214.subarray(0, core214.length >> 1), 'truncated-archive'],
      [
        'text.jar',
        Buffer.from('this is not a zip at all, just a text file\n'.repeat(10)),
        undefined,
      ],
      // vim's tutor.bar and nibabel's *.PAR: archive-like names, plain text
      ['tutor.bar', Buffer.from('===== Welcome to the VIM Tutor =====\n'.repeat(200)), undefined],
      ['scan.PAR', Buffer.from('# === DATA DESCRIPTION FILE ===\n'.repeat(5000)), undefined],
      [
        'notes.txt',
        Buffer.from('this is not a zip at all, just a text file\n'.repeat(10)),
        undefined,
      ],
      ['tiny.txt', Buffer.from('hi'), undefined],
    ];
    for (const [name, data, code] of cases) {
      const p = put(name, data);
      const r = scanFile(p);
      expect({ name, findings: r.findings, errors: r.errors.map(brief) }).toEqual({
        name,
        findings: [],
        errors: code ? [{ path: p, code }] : [],
      });
    }
  });

  it('reports a corrupt central directory and a corrupt nested jar (not a non-zip named .jar), and still finds the rest', async () => {
    const corrupt = Buffer.from(core214);
    const eocd = corrupt.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    corrupt.writeUInt32LE(corrupt.readUInt32LE(eocd + 16) + 7, eocd + 16);
    corrupt.writeUInt32LE(corrupt.readUInt32LE(eocd + 12) - 3, eocd + 12);
    const p = put('corrupt.jar', corrupt);
    expect(scanFile(p).errors.map(brief)).toEqual([{ path: p, code: 'corrupt-archive' }]);

    const outer = put(
      'outer.war',
      await buildZip([
        { name: 'WEB-INF/lib/broken.jar', data: corrupt },
        {
          name: 'WEB-INF/lib/fake.jar',
          data: Buffer.from('not a zip, but named like one '.repeat(4)),
        },
        { name: 'WEB-INF/lib/log4j-core-2.14.1.jar', data: core214 },
      ]),
    );
    const r = scanFile(outer);
    expect(r.errors.map(brief)).toEqual([
      { path: `${outer}!/WEB-INF/lib/broken.jar`, code: 'corrupt-archive' },
    ]);
    expect(r.findings.map((f) => f.path)).toEqual([`${outer}!/WEB-INF/lib/log4j-core-2.14.1.jar`]);
  });

  it('refuses a zip bomb and goes on with the rest of the archive', async () => {
    const bomb = Buffer.concat([
      Buffer.from('PK\x03\x04', 'latin1'),
      Buffer.alloc(16 * 1024 * 1024),
    ]);
    const p = put(
      'app.war',
      await buildZip([
        { name: 'WEB-INF/lib/bomb.jar', data: bomb },
        { name: 'WEB-INF/lib/log4j-core-2.14.1.jar', data: core214 },
      ]),
    );
    const r = scanFile(p);
    expect(r.errors.map(brief)).toEqual([{ path: `${p}!/WEB-INF/lib/bomb.jar`, code: 'zip-bomb' }]);
    expect(r.errors[0].error).toMatch(/ratio/);
    expect(r.findings.map((f) => f.version)).toEqual(['2.14.1']);
  });

  it('stops at the depth limit with a too-deep record', async () => {
    const p = put('outer.ear', await nest4());
    const r = scanFile(p, { limits: { maxDepth: 2 } });
    expect(r.findings).toEqual([]);
    expect(r.errors.map(brief)).toEqual([
      { path: `${p}!/web.war!/WEB-INF/lib/app.jar!/lib/log4j-core-2.14.1.jar`, code: 'too-deep' },
    ]);
  });

  it('spills a nested archive bigger than maxNestedBytes to a temp file and removes it', async () => {
    const prefix = `log4fleet-spill-${process.pid}-`;
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith(prefix));
    const p = put('outer.ear', await nest4());
    const r = scanFile(p, { limits: { maxNestedBytes: 32 * 1024 } });
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => f.path)).toEqual([
      `${p}!/web.war!/WEB-INF/lib/app.jar!/lib/log4j-core-2.14.1.jar`,
    ]);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith(prefix))).toEqual(before);
  });

  it('removes the temp files a crashed worker thread left, and only those', () => {
    const mine = join(tmpdir(), `${spillPrefix(process.pid, 4242)}1-abcd.zip`);
    const other = join(tmpdir(), `${spillPrefix(process.pid, 4243)}1-abcd.zip`);
    writeFileSync(mine, 'x');
    writeFileSync(other, 'x');
    try {
      removeSpills(process.pid, 4242);
      expect([existsSync(mine), existsSync(other)]).toEqual([false, true]);
    } finally {
      rmSync(other, { force: true });
    }
  });

  it('reads a stored inner jar in place whatever its size, but refuses to inflate past maxEntryBytes', async () => {
    const p = put(
      'app.jar',
      await buildZip([
        { name: 'BOOT-INF/lib/log4j-core-2.14.1.jar', data: core214, store: true },
        { name: 'lib/log4j-core-2.17.1.jar', data: core2171 },
      ]),
    );
    const r = scanFile(p, { limits: { maxEntryBytes: 100 * 1024 } });
    expect(r.findings.map((f) => f.path)).toEqual([`${p}!/BOOT-INF/lib/log4j-core-2.14.1.jar`]);
    expect(r.errors.map(brief)).toEqual([
      { path: `${p}!/lib/log4j-core-2.17.1.jar`, code: 'too-large' },
    ]);
  });

  it('names the entry the detector could not read, once, and still reports the copy', async () => {
    const jar = await buildZip(await readFixtureEntries('log4j-core-2.14.1.jar'));
    const name = Buffer.from('org/apache/logging/log4j/core/net/JndiManager.class');
    const rec = jar.lastIndexOf(name) - 46; // the central directory's copy of the name
    expect(jar.readUInt32LE(rec)).toBe(0x02014b50);
    jar.writeUInt16LE(12, rec + 10); // BZIP2 in the central directory
    const p = put('bzip.jar', jar);
    const r = scanFile(p);
    expect(r.errors.map(brief)).toEqual([
      { path: `${p}!/${name.toString()}`, code: 'unsupported' },
    ]);
    expect(r.findings.map((f) => f.product)).toEqual(['log4j-core']);
  });

  it('reports a missing file as an io-error', () => {
    const p = join(dir, 'gone.jar');
    expect(scanFile(p).errors.map(brief)).toEqual([{ path: p, code: 'io-error' }]);
  });
});
