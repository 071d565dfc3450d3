/**
 * The fix judged by a real JVM: log4j-core 2.14.1 logging a user-controlled string makes a
 * JNDI connection before the fix and none after it, and the program still runs; a
 * Spring-Boot-like fat jar still starts; a signed jar is refused, or runs once stripped; a
 * JVM holding the jar is named as needing a restart.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixFiles, type FixResult } from '../src';
import {
  API_2_14_1,
  CORE_2_14_1,
  entriesOf,
  entryOf,
  FIXTURES,
  JNDI_LOOKUP,
  sha256Of,
  unzipTest,
  zipOf,
} from './support/jars';
import {
  countingListener,
  javac,
  killAllJava,
  runJava,
  startJava,
  type Listener,
} from './support/java';

jest.setTimeout(240_000);

let work: string;
let classes: string;
let state: string;
let listener: Listener;

const payload = (): string => `\${jndi:ldap://127.0.0.1:${listener.port}/a}`;
const fix = (file: string, strip = false): FixResult =>
  fixFiles([file], { stateDir: state, stripSignatures: strip }).results[0];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'remediation-java-'));
  classes = path.join(work, 'classes');
  state = path.join(work, 'state');
  mkdirSync(classes);
  javac(classes, ['LogIt.java', 'Launcher.java'], path.join(FIXTURES, 'log4j-api-2.14.1.jar'));
  listener = await countingListener();
});

afterEach(() => killAllJava());

afterAll(async () => {
  killAllJava();
  await listener.close();
  rmSync(work, { recursive: true, force: true });
});

function place(dir: string, name: string, data: Buffer): string {
  const d = path.join(work, dir);
  mkdirSync(d, { recursive: true });
  const file = path.join(d, name);
  writeFileSync(file, data);
  return file;
}

async function connectionsOf(
  run: () => Promise<{ code: number | null; stdout: string; stderr: string }>,
): Promise<number> {
  const before = listener.connections();
  const r = await run();
  // The default configuration logs errors to stdout; the program goes on to print "logged".
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/ERROR LogIt - user said: .*\nlogged\n$/);
  return listener.connections() - before;
}

it('the decisive test: a JNDI connection before the fix, none after, and the program still runs', async () => {
  const core = place('plain', 'log4j-core-2.14.1.jar', CORE_2_14_1());
  const api = place('plain', 'log4j-api-2.14.1.jar', API_2_14_1());
  const run = () => runJava(['-cp', [classes, core, api].join(':'), 'LogIt', payload()]);

  expect(await connectionsOf(run)).toBeGreaterThan(0);
  const r = fix(core);
  expect(r.outcome).toBe('fixed');
  expect(r.removed).toEqual([`${core}!/${JNDI_LOOKUP}`]);
  expect(await connectionsOf(run)).toBe(0);
});

it('a Spring-Boot-layout fat jar keeps its stored BOOT-INF/lib jars and still starts', async () => {
  const launcher = readFileSync(path.join(classes, 'Launcher.class'));
  const app = readFileSync(path.join(classes, 'LogIt.class'));
  const fat = await zipOf([
    {
      name: 'META-INF/MANIFEST.MF',
      data: 'Manifest-Version: 1.0\r\nMain-Class: Launcher\r\nStart-Class: LogIt\r\n\r\n',
    },
    { name: 'Launcher.class', data: launcher },
    { name: 'BOOT-INF/classes/LogIt.class', data: app },
    { name: 'BOOT-INF/lib/log4j-api-2.14.1.jar', data: API_2_14_1(), compress: false },
    { name: 'BOOT-INF/lib/log4j-core-2.14.1.jar', data: CORE_2_14_1(), compress: false },
  ]);
  const file = place('boot', 'app.jar', fat);
  const run = () => runJava(['-jar', file, payload()]);
  expect(await connectionsOf(run)).toBeGreaterThan(0);

  const r = fix(file);
  expect(r.outcome).toBe('fixed');
  expect(r.removed).toEqual([`${file}!/BOOT-INF/lib/log4j-core-2.14.1.jar!/${JNDI_LOOKUP}`]);
  const fixed = readFileSync(file);
  expect(entryOf(fixed, 'BOOT-INF/lib/log4j-core-2.14.1.jar').method).toBe(0);
  expect(entryOf(fixed, 'BOOT-INF/lib/log4j-api-2.14.1.jar').raw).toEqual(
    entryOf(fat, 'BOOT-INF/lib/log4j-api-2.14.1.jar').raw,
  );
  expect(unzipTest(file).code).toBe(0);
  expect(await connectionsOf(run)).toBe(0);
});

describe('a signed jar', () => {
  let signed: string;

  beforeAll(() => {
    const ks = path.join(work, 'ks.p12');
    execFileSync(
      'keytool',
      [
        '-genkeypair',
        '-keystore',
        ks,
        '-storepass',
        'changeit',
        '-storetype',
        'PKCS12',
        '-alias',
        'vendor',
        '-keyalg',
        'RSA',
        '-keysize',
        '2048',
        '-dname',
        'CN=Vendor',
        '-validity',
        '2',
      ],
      { stdio: 'pipe', timeout: 60_000 },
    );
    signed = place('signed-src', 'log4j-core-2.14.1.jar', CORE_2_14_1());
    execFileSync('jarsigner', ['-keystore', ks, '-storepass', 'changeit', signed, 'vendor'], {
      stdio: 'pipe',
      timeout: 120_000,
    });
  });

  it('is refused with the reason, unchanged', () => {
    const dir = path.join(work, 'signed-a');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'log4j-core-2.14.1.jar');
    copyFileSync(signed, file);
    const before = sha256Of(file);
    const r = fix(file);
    expect(r.outcome).toBe('refused');
    expect(r.copies[0].refusal?.code).toBe('signed');
    expect(r.copies[0].refusal?.reason).toMatch(
      /is signed \(META-INF\/VENDOR\.SF, META-INF\/VENDOR\.RSA\)/,
    );
    expect(sha256Of(file)).toBe(before);
  });

  it('loses its signature when told to strip it, says so, and still runs', async () => {
    const dir = path.join(work, 'signed-b');
    mkdirSync(dir, { recursive: true });
    const core = path.join(dir, 'log4j-core-2.14.1.jar');
    copyFileSync(signed, core);
    const api = place('signed-b', 'log4j-api-2.14.1.jar', API_2_14_1());
    const r = fix(core, true);
    expect(r.outcome).toBe('fixed');
    expect(r.signaturesStripped).toEqual([
      `${core}!/META-INF/VENDOR.SF`,
      `${core}!/META-INF/VENDOR.RSA`,
      `${core}!/META-INF/MANIFEST.MF (per-entry digests)`,
    ]);
    const names = entriesOf(readFileSync(core)).map((e) => e.name);
    expect(names.filter((n) => /^META-INF\/[^/]+\.(SF|RSA)$/.test(n))).toEqual([]);
    const manifest = entryOf(readFileSync(core), 'META-INF/MANIFEST.MF').data.toString();
    expect(manifest).not.toMatch(/Digest/);
    expect(manifest).toMatch(/Implementation-Version: 2\.14\.1/);
    const verify = execFileSync('jarsigner', ['-verify', core], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(verify).toMatch(/jar is unsigned/);
    expect(unzipTest(core).code).toBe(0);
    expect(
      await connectionsOf(() =>
        runJava(['-cp', [classes, core, api].join(':'), 'LogIt', payload()]),
      ),
    ).toBe(0);
  });
});

it('names the running JVMs that still hold the old jar', async () => {
  const core = place('held', 'log4j-core-2.14.1.jar', CORE_2_14_1());
  const api = place('held', 'log4j-api-2.14.1.jar', API_2_14_1());
  const jvm = await startJava(
    ['-cp', [classes, core, api].join(':'), 'LogIt', 'hello', 'hold'],
    'holding',
  );
  const r = fix(core);
  expect(r.outcome).toBe('fixed');
  expect(r.restartNeeded.map((h) => h.pid)).toContain(jvm.pid);
  expect(r.message).toMatch(new RegExp(`restart needed: .*${jvm.pid}`));
});
