import { isArchiveName, isLog4jRelatedName, isManifestName, nestedHint } from './entry-names.rules';

function on(name: string, fn: (b: Buffer, s: number, e: number) => unknown): unknown {
  // Embed the name in a larger buffer, as in a central directory.
  const b = Buffer.concat([Buffer.from('xxxx'), Buffer.from(name, 'utf8'), Buffer.from('yyyy')]);
  return fn(b, 4, b.length - 4);
}

describe('entry name rules', () => {
  it.each([
    'org/apache/logging/log4j/core/lookup/JndiLookup.class',
    'META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties',
    'WEB-INF/lib/LOG4J-core-2.14.1.jar',
    'META-INF/maven/ch.qos.reload4j/reload4j/pom.properties',
    'com/acme/logging/core/LogEvent.esclazz',
    'core/LogEvent.class',
    'org/apache/log4j/Logger.class',
  ])('passes %s to the detector', (name) => {
    expect(on(name, isLog4jRelatedName)).toBe(true);
  });

  it.each([
    'org/slf4j/Logger.class',
    'com/acme/score/Core.class',
    'lib/4j.jar',
    'corex/a.class',
    'a/hardcore/b.class',
  ])('does not pass %s', (name) => {
    expect(on(name, isLog4jRelatedName)).toBe(false);
  });

  it('recognises the manifest in any case', () => {
    expect(on('META-INF/MANIFEST.MF', isManifestName)).toBe(true);
    expect(on('meta-inf/manifest.mf', isManifestName)).toBe(true);
    expect(on('META-INF/MANIFEST.MF.bak', isManifestName)).toBe(false);
  });

  it.each([
    ['WEB-INF/lib/a.jar', 'archive'],
    ['lib/B.WAR', 'archive'],
    ['plugins/x.hpi', 'archive'],
    ['a/Foo.class', 'no'],
    ['a/Foo.esclazz', 'no'],
    ['static/app.js', 'no'],
    ['META-INF/MANIFEST.MF', 'no'],
    ['dir/', 'no'],
    ['payload/x.bin', 'maybe'],
    ['LICENSE', 'maybe'],
    ['META-INF/services/org.acme.Plugin', 'maybe'],
    ['lib.d/noext', 'maybe'],
  ])('classifies %s as %s for nesting', (name, hint) => {
    expect(on(name, nestedHint)).toBe(hint);
  });

  it('tells archive file names apart', () => {
    expect(isArchiveName('/opt/app/lib/app.JAR')).toBe(true);
    expect(isArchiveName('/opt/a.jar.d/readme')).toBe(false);
    expect(isArchiveName('/opt/app/data.bin')).toBe(false);
  });
});
