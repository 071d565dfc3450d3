/**
 * The detector on log4j 1.x, its patched builds, reload4j and the bridges that imitate it.
 * Entries are read in memory.
 */
import { detectLog4j } from '../src/detect';
import { CVE, type Detection } from '../src/types';
import {
  inMemoryArchive,
  readFixtureEntries,
  relocate,
  replaceUtf8Constant,
  setEntry,
  without,
  type ZipEntryData,
} from './support/jar-builder';

const CORE_PKG = 'org/apache/logging/log4j/';
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

describe('log4j 1.x', () => {
  const v1 = (): Promise<ZipEntryData[]> => readFixtureEntries('log4j-1.2.17.jar');

  it('1.2.17 with JMSAppender removed loses CVE-2021-4104 only', async () => {
    const d = only(detect(without(await v1(), (e) => e.name === V1_PKG + 'net/JMSAppender.class')));
    expect(d.cves).toEqual(ALL_1X.filter((c) => c !== CVE.V1_JMS_APPENDER));
    expect(d.status).toBe('vulnerable');
  });

  it('1.1.3 carries only CVE-2022-23302 (JMSSink)', async () => {
    const entries = setEntry(
      await v1(),
      'META-INF/maven/log4j/log4j/pom.properties',
      'version=1.1.3\ngroupId=log4j\nartifactId=log4j\n',
    );
    expect(only(detect(entries))).toMatchObject({
      version: '1.1.3',
      cves: [CVE.V1_JMS_SINK],
      status: 'vulnerable',
    });
  });

  it('a Debian-style patched 1.2.17 is recognised by its classes: no CVE left', async () => {
    const patched = (await v1())
      .filter((e) => !/net\/JMS(Appender|Sink)\.class$/.test(e.name) && !e.name.includes('maven/'))
      .map((e) =>
        e.name.endsWith('net/SocketNode.class')
          ? {
              ...e,
              data: replaceUtf8Constant(
                e.data,
                'java/io/ObjectInputStream',
                'org/apache/log4j/FilteredObjectInputStream',
              ),
            }
          : e,
      );
    patched.push(
      {
        name: V1_PKG + 'FilteredObjectInputStream.class',
        data: Buffer.from('\xca\xfe\xba\xbe', 'latin1'),
      },
      {
        name: V1_PKG + 'jdbc/JdbcPatternParser.class',
        data: Buffer.from('\xca\xfe\xba\xbe', 'latin1'),
      },
    );
    const d = only(detect(patched));
    expect(d).toMatchObject({ product: 'log4j-1.x', version: '1.2.17', status: 'safe', cves: [] });
    expect(d.evidence.join('\n')).toMatch(/SocketNode deserializes through a class filter/);
  });

  it('reload4j is its own product with its own version', async () => {
    const entries = without(await v1(), (e) =>
      /maven|MANIFEST|net\/JMSSink|chainsaw\//.test(e.name),
    );
    entries.push({
      name: 'META-INF/maven/ch.qos.reload4j/reload4j/pom.properties',
      data: Buffer.from('version=1.2.25\ngroupId=ch.qos.reload4j\nartifactId=reload4j\n'),
    });
    const d = only(detect(entries));
    expect(d).toMatchObject({ product: 'reload4j', version: '1.2.25', versionExact: true });
    // SocketServer's range ends at 1.2.17; the JMSAppender here is the unpatched 1.2.17 one
    expect(d.cves).toEqual([CVE.V1_JMS_APPENDER, CVE.V1_JDBC_APPENDER].sort());
    expect(d.evidence.join('\n')).toMatch(/reload4j/);
  });

  it('a log4j-1.2-api style bridge (org/apache/log4j with bridge/) is not log4j 1.x', async () => {
    const entries = without(await v1(), isMetadata);
    entries.push({ name: V1_PKG + 'bridge/AppenderWrapper.class', data: Buffer.from('x') });
    expect(detect(entries)).toEqual([]);
  });

  it('a shaded 1.x copy next to a 2.x copy: both reported', async () => {
    const entries = [
      ...(await readFixtureEntries('log4j-core-2.17.1.jar')),
      ...relocate(without(await v1(), isMetadata), V1_PKG, 'com/acme/org/apache/log4j/'),
    ];
    expect(detect(entries).map((d) => [d.product, d.packageRoot, d.version])).toEqual([
      ['log4j-1.x', 'com/acme/org/apache/log4j/', '1.x'],
      ['log4j-core', CORE_PKG, '2.17.1'],
    ]);
  });
});
