import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { scanFile } from '@log4fleet/scanner';
import { fixFiles, readManifest, restoreFiles, type FixResult } from '../src';
import {
  CORE_2_14_1,
  entriesOf,
  entryOf,
  JNDI_LOOKUP,
  relocate,
  sha256,
  sha256Of,
  slim,
  unzipTest,
  zipOf,
} from './support/jars';

jest.setTimeout(120_000);

let work: string;
let state: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'remediation-'));
  state = path.join(work, 'state');
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

function put(name: string, data: Buffer): string {
  const file = path.join(work, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, data);
  return file;
}

function fixOne(file: string, opts: Partial<Parameters<typeof fixFiles>[1]> = {}): FixResult {
  return fixFiles([file], { stateDir: state, ...opts }).results[0];
}

/** Every entry but the removed ones, with its compressed bytes unchanged. */
function expectOnlyRemoved(before: Buffer, after: Buffer, removed: string[]): void {
  const kept = entriesOf(before).filter((e) => !removed.includes(e.name));
  const now = entriesOf(after);
  expect(now.map((e) => e.name)).toEqual(kept.map((e) => e.name));
  now.forEach((e, i) => {
    expect(e.method).toBe(kept[i].method);
    expect(e.raw.equals(kept[i].raw)).toBe(true);
  });
}

describe('fix: plain jar', () => {
  it('removes JndiLookup and nothing else, keeps a backup, and the jar tests clean', () => {
    const original = CORE_2_14_1();
    const file = put('lib/log4j-core-2.14.1.jar', original);
    const r = fixOne(file);

    expect(r.outcome).toBe('fixed');
    expect(r.removed).toEqual([`${file}!/${JNDI_LOOKUP}`]);
    expect(r.before.map((f) => f.status)).toEqual(['vulnerable']);
    expect(r.after?.map((f) => [f.status, f.cves])).toEqual([
      ['mitigated', ['CVE-2021-44832', 'CVE-2021-45105']],
    ]);
    const fixed = readFileSync(file);
    expectOnlyRemoved(original, fixed, [JNDI_LOOKUP]);
    expect(unzipTest(file).code).toBe(0);
    expect(r.sha256Before).toBe(sha256(original));
    expect(r.sha256After).toBe(sha256(fixed));

    const manifest = readManifest(r.backup?.dir ?? '');
    expect(manifest?.files[0]).toMatchObject({
      backup: '0.orig.gz',
      target: file,
      sha256: sha256(original),
      fixedSha256: sha256(fixed),
      mode: 0o644,
    });
    const backup = path.join(r.backup?.dir ?? '', '0.orig.gz');
    expect(gunzipSync(readFileSync(backup)).equals(original)).toBe(true);
    // Not a zip: a rescan of the whole host must not find the vulnerable original again.
    expect(scanFile(backup)).toMatchObject({ findings: [], errors: [] });
    // Nothing left beside the jar: no .bak, no temp file.
    expect(readdirSync(path.dirname(file))).toEqual(['log4j-core-2.14.1.jar']);
  });

  it('dry run plans the removal and writes nothing', () => {
    const file = put('a.jar', CORE_2_14_1());
    const before = sha256Of(file);
    const r = fixOne(file, { dryRun: true });
    expect(r.outcome).toBe('would-fix');
    expect(r.removed).toEqual([`${file}!/${JNDI_LOOKUP}`]);
    expect(sha256Of(file)).toBe(before);
    expect(existsSync(state)).toBe(false);
  });
});

describe('fix: where copies hide', () => {
  it('reaches a jar in a war in an ear, keeping each level compressed as it was', async () => {
    const jar = CORE_2_14_1();
    const war = await zipOf([
      { name: 'WEB-INF/web.xml', data: '<web-app/>' },
      { name: 'WEB-INF/lib/log4j-core-2.14.1.jar', data: jar, compress: false },
    ]);
    const ear = await zipOf([
      { name: 'META-INF/application.xml', data: '<application/>' },
      { name: 'shop.war', data: war, compress: true },
    ]);
    const file = put('app.ear', ear);
    const r = fixOne(file);

    expect(r.outcome).toBe('fixed');
    expect(r.removed).toEqual([
      `${file}!/shop.war!/WEB-INF/lib/log4j-core-2.14.1.jar!/${JNDI_LOOKUP}`,
    ]);
    const newEar = readFileSync(file);
    expect(unzipTest(file).code).toBe(0);
    const newWarEntry = entryOf(newEar, 'shop.war');
    expect(newWarEntry.method).toBe(8);
    const newJarEntry = entryOf(newWarEntry.data, 'WEB-INF/lib/log4j-core-2.14.1.jar');
    expect(newJarEntry.method).toBe(0);
    expectOnlyRemoved(jar, newJarEntry.data, [JNDI_LOOKUP]);
    expect(entryOf(newEar, 'META-INF/application.xml').raw).toEqual(
      entryOf(ear, 'META-INF/application.xml').raw,
    );
    const innerWar = put('check/shop.war', newWarEntry.data);
    expect(unzipTest(innerWar).code).toBe(0);
    expect(r.after?.map((f) => f.status)).toEqual(['mitigated']);
  });

  it('fixes a shaded copy and leaves an unrelocated safe copy byte for byte', async () => {
    const safe = slim('log4j-core-2.17.1.jar');
    const items = [
      ...relocate(CORE_2_14_1(), 'com/acme/shaded/'),
      ...entriesOf(safe).map((e) => ({ name: e.name, data: e.data })),
    ];
    const original = await zipOf(items);
    const file = put('uber.jar', original);
    const r = fixOne(file);

    expect(r.outcome).toBe('fixed');
    const removed = `com/acme/shaded/${JNDI_LOOKUP}`;
    expect(r.removed).toEqual([`${file}!/${removed}`]);
    expectOnlyRemoved(original, readFileSync(file), [removed]);
    expect(unzipTest(file).code).toBe(0);
    const byRoot = Object.fromEntries(r.after?.map((f) => [f.packageRoot, f.status]) ?? []);
    expect(byRoot).toEqual({
      'com/acme/shaded/org/apache/logging/log4j/': 'mitigated',
      'org/apache/logging/log4j/': 'safe',
    });
  });

  it('keeps duplicate entries', async () => {
    const items = entriesOf(CORE_2_14_1()).map((e) => ({ name: e.name, data: e.data }));
    const original = await zipOf([
      { name: 'README.txt', data: 'first' },
      ...items,
      { name: 'README.txt', data: 'second' },
    ]);
    const file = put('dup.jar', original);
    const r = fixOne(file);
    expect(r.outcome).toBe('fixed');
    const readmes = entriesOf(readFileSync(file))
      .filter((e) => e.name === 'README.txt')
      .map((e) => e.data.toString());
    expect(readmes).toEqual(['first', 'second']);
    expectOnlyRemoved(original, readFileSync(file), [JNDI_LOOKUP]);
    expect(unzipTest(file).code).toBe(0);
  });

  it('keeps a launch script in front of an executable jar', () => {
    const script = Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n# padding padding\n');
    const file = put('app.jar', Buffer.concat([script, CORE_2_14_1()]));
    // zip -A makes the offsets count the script, as Spring Boot's executable jars do.
    execFileSync('zip', ['-q', '-A', file]);
    chmodSync(file, 0o755);
    const original = readFileSync(file);
    const r = fixOne(file);

    expect(r.outcome).toBe('fixed');
    const fixed = readFileSync(file);
    expect(fixed.subarray(0, script.length).equals(script)).toBe(true);
    expect(unzipTest(file).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o755);
    expectOnlyRemoved(original, fixed, [JNDI_LOOKUP]);
  });

  it('keeps a prefix whose offsets do not count it (relative offsets stay relative)', () => {
    const script = Buffer.from('#!/bin/sh\necho launcher\n');
    const file = put('rel.jar', Buffer.concat([script, CORE_2_14_1()]));
    const r = fixOne(file);
    expect(r.outcome).toBe('fixed');
    const fixed = readFileSync(file);
    expect(fixed.subarray(0, script.length).equals(script)).toBe(true);
    // The archive after the script is exactly what the same fix gives on the bare jar.
    const bare = put('bare/bare.jar', CORE_2_14_1());
    fixOne(bare);
    expect(fixed.subarray(script.length).equals(readFileSync(bare))).toBe(true);
  });
});

describe('fix: the file around the archive', () => {
  it('keeps mode, owner, group and mtime of a read-only file', () => {
    const file = put('ro.jar', CORE_2_14_1());
    chownSync(file, 65534, 65534);
    chmodSync(file, 0o444);
    utimesSync(file, new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
    const before = statSync(file);
    const r = fixOne(file);

    expect(r.outcome).toBe('fixed');
    const after = statSync(file);
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode).toBe(before.mode);
    expect([after.uid, after.gid]).toEqual([65534, 65534]);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(unzipTest(file).code).toBe(0);
  });

  it('refuses a file with several hard links: the other names would keep the vulnerable copy', () => {
    const file = put('a.jar', CORE_2_14_1());
    linkSync(file, path.join(work, 'b.jar'));
    const before = sha256Of(file);
    const r = fixOne(file);
    expect(r.outcome).toBe('refused');
    expect(r.message).toMatch(/2 hard links/);
    expect(sha256Of(file)).toBe(before);
  });

  it('follows a symlink and fixes its target, leaving the link a link', () => {
    const real = put('real/log4j-core.jar', CORE_2_14_1());
    const link = path.join(work, 'link.jar');
    symlinkSync(real, link);
    const r = fixOne(link);

    expect(r.outcome).toBe('fixed');
    expect(r.path).toBe(link);
    expect(r.target).toBe(real);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(entriesOf(readFileSync(real)).some((e) => e.name === JNDI_LOOKUP)).toBe(false);
    expect(unzipTest(real).code).toBe(0);
  });
});

describe('fix: refusals say why and change nothing', () => {
  const cases: Array<[string, () => Buffer, string, RegExp]> = [
    [
      '2.17.0 (CVE-2021-44832 only)',
      () => slim('log4j-core-2.17.0.jar'),
      'upgrade-needed',
      /CVE-2021-44832.*upgrade/,
    ],
    [
      '2.12.2 (45105, 44832)',
      () => slim('log4j-core-2.12.2.jar'),
      'upgrade-needed',
      /CVE-2021-44832, CVE-2021-45105/,
    ],
    ['log4j 1.2.17', () => slim('log4j-1.2.17.jar'), 'log4j1', /has no JndiLookup/],
  ];
  it.each(cases)('%s', (_label, jar, code, reason) => {
    const file = put('x.jar', jar());
    const before = sha256Of(file);
    const r = fixOne(file);
    expect(r.outcome).toBe('refused');
    expect(r.copies[0].refusal?.code).toBe(code);
    expect(r.copies[0].refusal?.reason).toMatch(reason);
    expect(r.message).toMatch(reason);
    expect(sha256Of(file)).toBe(before);
    expect(existsSync(state)).toBe(false);
  });

  it('refuses an already mitigated copy', () => {
    const file = put('x.jar', CORE_2_14_1());
    expect(fixOne(file).outcome).toBe('fixed');
    const again = fixOne(file);
    expect(again.outcome).toBe('refused');
    expect(again.copies[0].refusal).toEqual({
      code: 'already-mitigated',
      reason:
        'JndiLookup already removed; CVE-2021-44832, CVE-2021-45105 still apply: upgrade needed',
    });
  });

  it('says there is nothing to do for a safe copy', () => {
    const r = fixOne(put('x.jar', slim('log4j-core-2.17.1.jar')));
    expect(r.outcome).toBe('nothing-to-do');
  });

  it('names a file that is not a zip, and changes nothing (a file that is not an archive is no scan error)', () => {
    const r = fixOne(put('bad.jar', Buffer.from('not a zip at all, really not')));
    expect(r.outcome).toBe('nothing-to-do');
    expect(r.message).toMatch(/not a zip/);
  });

  it('removes the log4j 1.x CVE classes when asked', () => {
    const file = put('log4j-1.2.17.jar', slim('log4j-1.2.17.jar'));
    const r = fixOne(file, { log4j1: true });
    expect(r.outcome).toBe('fixed');
    const names = r.removed.map((p) => p.slice(file.length + 2));
    expect(names).toEqual(
      expect.arrayContaining([
        'org/apache/log4j/net/JMSAppender.class',
        'org/apache/log4j/net/SocketServer.class',
        'org/apache/log4j/net/SocketNode.class',
        'org/apache/log4j/net/JMSSink.class',
        'org/apache/log4j/jdbc/JDBCAppender.class',
      ]),
    );
    expect(r.after?.map((f) => [f.status, f.cves])).toEqual([['safe', []]]);
    expect(unzipTest(file).code).toBe(0);
  });
});

describe('restore', () => {
  it('puts the original back byte for byte with its metadata', () => {
    const file = put('r.jar', CORE_2_14_1());
    chownSync(file, 65534, 65534);
    chmodSync(file, 0o640);
    utimesSync(file, new Date('2019-05-06T07:08:09Z'), new Date('2019-05-06T07:08:09Z'));
    const before = statSync(file);
    const originalSha = sha256Of(file);
    expect(fixOne(file).outcome).toBe('fixed');
    expect(sha256Of(file)).not.toBe(originalSha);

    const [r] = restoreFiles([file], { stateDir: state });
    expect(r.outcome).toBe('restored');
    expect(sha256Of(file)).toBe(originalSha);
    const after = statSync(file);
    expect([after.mode, after.uid, after.gid, after.mtimeMs]).toEqual([
      before.mode,
      before.uid,
      before.gid,
      before.mtimeMs,
    ]);
    expect(restoreFiles([file], { stateDir: state })[0].outcome).toBe('nothing-to-do');
  });

  it('restores a war holding a stored jar (a backup fflate streaming gzip wrote broken)', async () => {
    const war = await zipOf([
      { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\r\n\r\n' },
      {
        name: 'WEB-INF/lib/log4j-core-2.14.1.jar',
        data: slim('log4j-core-2.14.1.jar'),
        compress: false,
      },
    ]);
    const file = put('shop.war', war);
    const r = fixOne(file);
    expect(r.outcome).toBe('fixed');
    expect(gunzipSync(readFileSync(path.join(r.backup?.dir ?? '', '0.orig.gz'))).equals(war)).toBe(
      true,
    );
    expect(restoreFiles([file], { stateDir: state })[0].outcome).toBe('restored');
    expect(readFileSync(file).equals(war)).toBe(true);
  });

  it('refuses a file changed since the fix unless forced', () => {
    const file = put('r.jar', CORE_2_14_1());
    const originalSha = sha256Of(file);
    fixOne(file);
    writeFileSync(file, slim('log4j-core-2.17.1.jar'));
    const [refused] = restoreFiles([file], { stateDir: state });
    expect(refused.outcome).toBe('refused');
    expect(refused.message).toMatch(/changed since the fix/);
    expect(sha256Of(file)).toBe(sha256(slim('log4j-core-2.17.1.jar')));
    const [forced] = restoreFiles([file], { stateDir: state, force: true });
    expect(forced.outcome).toBe('restored');
    expect(sha256Of(file)).toBe(originalSha);
  });

  it('refuses to put back a damaged backup and leaves the file and its directory as they were', () => {
    const file = put('d/r.jar', CORE_2_14_1());
    const r = fixOne(file);
    const fixedSha = sha256Of(file);
    const backup = path.join(r.backup?.dir ?? '', '0.orig.gz');
    const bytes = readFileSync(backup);
    bytes[bytes.length >> 1] ^= 0xff; // in the middle of the compressed data
    writeFileSync(backup, bytes);
    const [restored] = restoreFiles([file], { stateDir: state });
    expect(restored.outcome).toBe('failed');
    expect(restored.message).toMatch(/cannot restore/);
    expect(sha256Of(file)).toBe(fixedSha);
    expect(readdirSync(path.dirname(file))).toEqual(['r.jar']);
  });

  it('says when there is no backup', () => {
    const file = put('never.jar', CORE_2_14_1());
    const [r] = restoreFiles([file], { stateDir: state });
    expect(r.outcome).toBe('refused');
    expect(r.message).toMatch(/no backup/);
  });
});
