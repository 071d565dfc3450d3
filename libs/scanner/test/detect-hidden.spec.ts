/**
 * The detector on the hard cases built from the real jars: shaded, relocated, renamed and
 * repeated copies, a stripped JndiLookup, lying metadata. Entries are read in memory.
 */
import { detectLog4j } from '../src/detect';
import { CVE, type Detection } from '../src/types';
import {
  inMemoryArchive,
  readFixtureEntries,
  relocate,
  renameExt,
  setEntry,
  without,
  type ZipEntryData,
} from './support/jar-builder';

const CORE_PKG = 'org/apache/logging/log4j/';
const CORE_POM = 'META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties';
const { LOG4SHELL, THREAD_CONTEXT, RECURSION_DOS, JDBC_JNDI } = CVE;
const ALL_2X = [LOG4SHELL, JDBC_JNDI, THREAD_CONTEXT, RECURSION_DOS].sort();

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

describe('copies hidden in other archives', () => {
  it('shaded under shaded/org/apache/logging/log4j/ without pom.properties or manifest', async () => {
    const entries = relocate(
      without(await readFixtureEntries('log4j-core-2.14.1.jar'), isMetadata),
      CORE_PKG,
      'shaded/' + CORE_PKG,
    );
    const d = only(detect(entries, 'my-app-1.0.jar'));
    expect(d).toMatchObject({
      product: 'log4j-core',
      packageRoot: 'shaded/org/apache/logging/log4j/',
      version: '>=2.14.0 <2.15.0',
      versionExact: false,
      status: 'vulnerable',
      cves: ALL_2X,
    });
  });

  it('relocated to com/acme/lib/log4j/ with the manifest kept: the manifest picks 2.14.1', async () => {
    const entries = relocate(
      without(await readFixtureEntries('log4j-core-2.14.1.jar'), (e) => e.name === CORE_POM),
      CORE_PKG,
      'com/acme/lib/log4j/',
    );
    const d = only(detect(entries));
    expect(d).toMatchObject({
      packageRoot: 'com/acme/lib/log4j/',
      version: '2.14.1',
      versionExact: true,
    });
    expect(d.evidence.join('\n')).toMatch(/manifest version=2\.14\.1/);
  });

  it.each(['.esclazz', '.classdata'])('classes renamed to %s are still read', async (ext) => {
    const vulnerable = only(
      detect(renameExt(await readFixtureEntries('log4j-core-2.14.1.jar'), '.class', ext)),
    );
    expect(vulnerable).toMatchObject({ version: '2.14.1', status: 'vulnerable', cves: ALL_2X });
    const safe = only(
      detect(renameExt(await readFixtureEntries('log4j-core-2.17.1.jar'), '.class', ext)),
    );
    expect(safe).toMatchObject({ version: '2.17.1', status: 'safe', cves: [] });
  });

  it('an uber jar with a safe 2.17.1 and a relocated 2.14.1 gives two detections', async () => {
    const safe = await readFixtureEntries('log4j-core-2.17.1.jar');
    const old = relocate(
      without(await readFixtureEntries('log4j-core-2.14.1.jar'), isMetadata),
      CORE_PKG,
      'com/acme/lib/log4j/',
    );
    const found = detect([...safe, ...old], 'uber-2.17.1.jar');
    expect(found.map((d) => [d.packageRoot, d.status])).toEqual([
      ['com/acme/lib/log4j/', 'vulnerable'],
      [CORE_PKG, 'safe'],
    ]);
    const relocated = found[0];
    expect(relocated?.version).toBe('>=2.14.0 <2.15.0');
    expect(relocated?.cves).toEqual(ALL_2X);
    // the archive's pom belongs to the 2.17.1 copy; the bytes refuse it for the other one
    expect(relocated?.evidence.join('\n')).toMatch(
      /pom\.properties version=2\.17\.1 contradicts the class bytes/,
    );
  });

  it('an exploded WEB-INF/classes copy has its own package root', async () => {
    const entries = relocate(
      await readFixtureEntries('log4j-core-2.16.0.jar'),
      CORE_PKG,
      'WEB-INF/classes/' + CORE_PKG,
    );
    expect(only(detect(entries))).toMatchObject({
      packageRoot: 'WEB-INF/classes/org/apache/logging/log4j/',
      version: '2.16.0',
    });
  });
});

describe('mitigation and lying metadata', () => {
  const noJndiLookup = (e: ZipEntryData): boolean =>
    e.name.endsWith('core/lookup/JndiLookup.class');

  it('2.14.1 with JndiLookup removed is mitigated, still 45105 and 44832', async () => {
    const d = only(
      detect(without(await readFixtureEntries('log4j-core-2.14.1.jar'), noJndiLookup)),
    );
    expect(d).toMatchObject({
      version: '2.14.1',
      versionExact: true,
      status: 'mitigated',
      cves: [JDBC_JNDI, RECURSION_DOS],
    });
    expect(d.evidence[0]).toMatch(/JndiLookup.*removed/);
  });

  it('2.15.0 with JndiLookup removed is mitigated (45046 stopped)', async () => {
    const d = only(
      detect(without(await readFixtureEntries('log4j-core-2.15.0.jar'), noJndiLookup)),
    );
    expect(d).toMatchObject({
      version: '2.15.0',
      status: 'mitigated',
      cves: [JDBC_JNDI, RECURSION_DOS],
    });
  });

  it('2.12.2 with JndiLookup removed had no lookup RCE left to stop: still vulnerable', async () => {
    const d = only(
      detect(without(await readFixtureEntries('log4j-core-2.12.2.jar'), noJndiLookup)),
    );
    expect(d).toMatchObject({
      version: '2.12.2',
      status: 'vulnerable',
      cves: [JDBC_JNDI, RECURSION_DOS],
    });
  });

  it('2.17.1 with JndiLookup removed stays safe', async () => {
    const d = only(
      detect(without(await readFixtureEntries('log4j-core-2.17.1.jar'), noJndiLookup)),
    );
    expect(d).toMatchObject({ version: '2.17.1', status: 'safe', cves: [] });
  });

  it('2.14.1 bytes with a pom saying 2.17.1 are 2.14.1, and the evidence names the lie', async () => {
    const entries = setEntry(
      await readFixtureEntries('log4j-core-2.14.1.jar'),
      CORE_POM,
      'version=2.17.1\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\n',
    );
    const d = only(detect(entries, 'log4j-core-2.17.1.jar'));
    expect(d).toMatchObject({
      version: '2.14.1',
      versionExact: true,
      status: 'vulnerable',
      cves: ALL_2X,
    });
    expect(d.evidence.join('\n')).toMatch(/pom\.properties version=2\.17\.1 contradicts/);
  });

  it('when every name and every metadata file lies, the bytes still say 2.14.x, vulnerable', async () => {
    let entries = setEntry(
      await readFixtureEntries('log4j-core-2.14.1.jar'),
      CORE_POM,
      'version=2.17.1\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\n',
    );
    entries = setEntry(
      entries,
      'META-INF/MANIFEST.MF',
      'Manifest-Version: 1.0\nImplementation-Title: Apache Log4j Core\nImplementation-Version: 2.17.1\n',
    );
    const d = only(detect(entries, 'log4j-core-2.17.1.jar'));
    expect(d).toMatchObject({
      version: '>=2.14.0 <2.15.0',
      versionExact: false,
      status: 'vulnerable',
      cves: ALL_2X,
    });
  });

  it('the file name is used only when nothing stronger is there', async () => {
    const bare = without(await readFixtureEntries('log4j-core-2.12.1.jar'), isMetadata);
    expect(only(detect(bare, 'log4j-core-2.12.1.jar'))).toMatchObject({
      version: '2.12.1',
      versionExact: true,
    });
    expect(only(detect(bare, 'log4j-core-2.16.0.jar'))).toMatchObject({
      version: '>=2.10.0 <2.15.0',
    });
  });
});

describe('copies that match no release', () => {
  it('classes of 2.14.1 and 2.17.1 mixed in one root: unknown, pom version shown unconfirmed', async () => {
    const mpc171 = (await readFixtureEntries('log4j-core-2.17.1.jar')).find((e) =>
      e.name.endsWith('MessagePatternConverter.class'),
    );
    if (!mpc171) throw new Error('fixture lacks MessagePatternConverter');
    const mixed = setEntry(
      await readFixtureEntries('log4j-core-2.14.1.jar'),
      mpc171.name,
      mpc171.data,
    );
    const d = only(detect(mixed));
    expect(d).toMatchObject({ status: 'unknown', version: '2.14.1', versionExact: false });
    expect(d.evidence.join('\n')).toMatch(/no known release/);
  });

  it('unreadable metadata is skipped, the bytes still decide', async () => {
    const { names, reader } = inMemoryArchive(await readFixtureEntries('log4j-core-2.16.0.jar'));
    const failing = {
      read: (n: string): Buffer | undefined => {
        if (n.startsWith('META-INF/')) throw new Error('truncated entry');
        return reader.read(n);
      },
    };
    expect(only(detectLog4j(names, failing))).toMatchObject({
      version: '2.16.0',
      status: 'vulnerable',
    });
  });
});
