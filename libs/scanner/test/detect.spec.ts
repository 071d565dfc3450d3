/**
 * The detector against the slim copies of the real release jars (test/fixtures/corpus), with
 * and without their metadata. Entries are read in memory: no dependency on the zip reader.
 */
import { detectLog4j, type EntryReader } from '../src/detect';
import { CVE, type Detection } from '../src/types';
import {
  inMemoryArchive,
  readFixtureEntries,
  without,
  type ZipEntryData,
} from './support/jar-builder';

const CORE_PKG = 'org/apache/logging/log4j/';
const { LOG4SHELL, THREAD_CONTEXT, RECURSION_DOS, JDBC_JNDI } = CVE;
const ALL_2X = [LOG4SHELL, JDBC_JNDI, THREAD_CONTEXT, RECURSION_DOS].sort();
const V1_PKG = 'org/apache/log4j/';
const ALL_1X = [
  CVE.V1_SOCKET_SERVER,
  CVE.V1_JMS_APPENDER,
  CVE.V1_JMS_SINK,
  CVE.V1_JDBC_APPENDER,
  CVE.V1_CHAINSAW,
].sort();

function detect(entries: readonly ZipEntryData[], fileName?: string): Detection[] {
  const { names, reader } = inMemoryArchive(entries);
  return detectLog4j(names, reader, fileName === undefined ? {} : { fileName });
}

function only(detections: Detection[]): Detection {
  expect(detections).toHaveLength(1);
  const [d] = detections;
  if (!d) throw new Error('no detection');
  return d;
}

const isMetadata = (e: ZipEntryData): boolean => e.name.startsWith('META-INF/');

describe('detectLog4j on the real release jars', () => {
  // What /work/shared/corpus/README.md says a correct scanner reports for each jar.
  const table: [string, string, Detection['status'], string[]][] = [
    ['log4j-core-2.0-beta2.jar', '2.0-beta2', 'vulnerable', [RECURSION_DOS]],
    ['log4j-core-2.0-beta9.jar', '2.0-beta9', 'vulnerable', ALL_2X],
    ['log4j-core-2.12.1.jar', '2.12.1', 'vulnerable', ALL_2X],
    ['log4j-core-2.12.2.jar', '2.12.2', 'vulnerable', [JDBC_JNDI, RECURSION_DOS]],
    ['log4j-core-2.14.1.jar', '2.14.1', 'vulnerable', ALL_2X],
    ['log4j-core-2.15.0.jar', '2.15.0', 'vulnerable', [JDBC_JNDI, THREAD_CONTEXT, RECURSION_DOS]],
    ['log4j-core-2.16.0.jar', '2.16.0', 'vulnerable', [JDBC_JNDI, RECURSION_DOS]],
    ['log4j-core-2.17.0.jar', '2.17.0', 'vulnerable', [JDBC_JNDI]],
    ['log4j-core-2.17.1.jar', '2.17.1', 'safe', []],
    ['log4j-core-2.3.1.jar', '2.3.1', 'vulnerable', [JDBC_JNDI]],
  ];

  it.each(table)('%s -> log4j-core %s, %s, %j', async (jar, version, status, cves) => {
    const d = only(detect(await readFixtureEntries(jar), jar));
    expect(d).toMatchObject({
      product: 'log4j-core',
      version,
      versionExact: true,
      status,
      packageRoot: CORE_PKG,
    });
    expect(d.cves).toEqual(cves);
    expect(d.evidence.length).toBeGreaterThan(0);
  });

  it('log4j 1.2.17 -> log4j-1.x 1.2.17 with all five 1.x CVEs', async () => {
    const d = only(detect(await readFixtureEntries('log4j-1.2.17.jar')));
    expect(d).toMatchObject({
      product: 'log4j-1.x',
      version: '1.2.17',
      versionExact: true,
      status: 'vulnerable',
    });
    expect(d.packageRoot).toBe(V1_PKG);
    expect(d.cves).toEqual(ALL_1X);
  });

  it.each(['log4j-api-2.14.1.jar', 'log4j-over-slf4j-1.7.32.jar'])(
    '%s is not log4j: no detection',
    async (jar) => {
      expect(detect(await readFixtureEntries(jar), jar)).toEqual([]);
    },
  );

  it('log4j-api and log4j-over-slf4j together in one jar: still nothing', async () => {
    const entries = [
      ...(await readFixtureEntries('log4j-api-2.14.1.jar')),
      ...without(await readFixtureEntries('log4j-over-slf4j-1.7.32.jar'), isMetadata),
    ];
    expect(detect(entries)).toEqual([]);
  });

  it('gives the same answer when the caller passes only the names it promises', async () => {
    const promised = (n: string): boolean =>
      /log4j|reload4j/i.test(n) ||
      n.includes('/core/') ||
      n.startsWith('core/') ||
      n === 'META-INF/MANIFEST.MF';
    for (const jar of ['log4j-core-2.14.1.jar', 'log4j-core-2.3.1.jar', 'log4j-1.2.17.jar']) {
      const entries = await readFixtureEntries(jar);
      const { names, reader } = inMemoryArchive(entries);
      expect(detectLog4j(names.filter(promised), reader)).toEqual(detectLog4j(names, reader));
    }
  });
});

describe('version from the class bytes alone (no pom, no manifest, no file name)', () => {
  const table: [string, string, boolean, Detection['status'], string[]][] = [
    ['log4j-core-2.0-beta9.jar', '>=2.0-beta9 <2.1', false, 'vulnerable', ALL_2X],
    ['log4j-core-2.12.1.jar', '>=2.10.0 <2.15.0', false, 'vulnerable', ALL_2X],
    ['log4j-core-2.12.2.jar', '2.12.2', true, 'vulnerable', [JDBC_JNDI, RECURSION_DOS]],
    ['log4j-core-2.14.1.jar', '>=2.14.0 <2.15.0', false, 'vulnerable', ALL_2X],
    [
      'log4j-core-2.15.0.jar',
      '2.15.0',
      true,
      'vulnerable',
      [JDBC_JNDI, THREAD_CONTEXT, RECURSION_DOS],
    ],
    ['log4j-core-2.16.0.jar', '2.16.0', true, 'vulnerable', [JDBC_JNDI, RECURSION_DOS]],
    ['log4j-core-2.17.0.jar', '2.17.0', true, 'vulnerable', [JDBC_JNDI]],
    ['log4j-core-2.17.1.jar', '2.17.1', true, 'safe', []],
    ['log4j-core-2.3.1.jar', '2.3.1', true, 'vulnerable', [JDBC_JNDI]],
  ];

  it.each(table)('%s -> %s', async (jar, version, versionExact, status, cves) => {
    const d = only(detect(without(await readFixtureEntries(jar), isMetadata)));
    expect(d).toMatchObject({ version, versionExact, status, cves });
  });

  it('a 2.17.1 whose JndiManager is a rebuild (md5 unknown) is still 2.17.1 or later, safe', async () => {
    const entries = (await readFixtureEntries('log4j-core-2.17.1.jar')).map((e) =>
      e.name.endsWith('JndiManager.class')
        ? { ...e, data: Buffer.concat([e.data, Buffer.from([0])]) }
        : e,
    );
    const bare = only(detect(without(entries, isMetadata)));
    expect(bare).toMatchObject({
      version: '>=2.17.1',
      versionExact: false,
      status: 'safe',
      cves: [],
    });
    expect(only(detect(entries))).toMatchObject({
      version: '2.17.1',
      versionExact: true,
      status: 'safe',
    });
  });

  it('2.0-beta2 without metadata cannot be told from a stripped 2.0.x: unknown', async () => {
    const d = only(
      detect(without(await readFixtureEntries('log4j-core-2.0-beta2.jar'), isMetadata)),
    );
    expect(d.status).toBe('unknown');
    expect(d.versionExact).toBe(false);
    expect(d.evidence.join('\n')).toMatch(/JndiLookup/);
  });

  it('unreadable marker classes leave 2.10.0 to 2.16.0, where 2.12.4 is safe: unknown', async () => {
    const entries = without(await readFixtureEntries('log4j-core-2.14.1.jar'), isMetadata);
    const { names, reader } = inMemoryArchive(entries);
    const failing: EntryReader = {
      read: (n) => {
        if (n.endsWith('.class') && /Jndi|DataSource|MessagePattern/.test(n))
          throw new Error('bad CRC');
        return reader.read(n);
      },
    };
    const d = only(detectLog4j(names, failing));
    expect(d).toMatchObject({
      version: '>=2.10.0 <2.17.0',
      versionExact: false,
      status: 'unknown',
    });
    expect(d.cves).toEqual(ALL_2X);
    expect(d.evidence.join('\n')).toMatch(/JndiManager\.class unreadable: bad CRC/);
  });
});
