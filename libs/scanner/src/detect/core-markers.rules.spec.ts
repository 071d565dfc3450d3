import { expectedFacts, type CoreFacts } from './core-markers.rules';
import { KNOWN_2X_RELEASES } from './version.util';

/** The known releases up to 2.17.1 for which `pick` is true (later ones repeat 2.17.1). */
function releasesWhere(pick: (f: CoreFacts) => boolean): string[] {
  const upTo = KNOWN_2X_RELEASES.findIndex((r) => r.text === '2.17.2');
  return KNOWN_2X_RELEASES.slice(0, upTo)
    .filter((r) => pick(expectedFacts(r)))
    .map((r) => r.text);
}

describe("the marker table's expectations (DETECTION.md)", () => {
  it('JndiManager message variants', () => {
    expect(releasesWhere((f) => f.jm.invalidUriOneSpace)).toEqual([
      '2.3.2',
      '2.12.4',
      '2.15.0',
      '2.16.0',
      '2.17.1',
    ]);
    expect(releasesWhere((f) => f.jm.invalidUriTwoSpaces)).toEqual([
      '2.3.1',
      '2.12.2',
      '2.12.3',
      '2.17.0',
    ]);
    expect(releasesWhere((f) => f.jm.unsupportedUri)).toEqual([
      '2.3.1',
      '2.3.2',
      '2.12.2',
      '2.12.3',
      '2.12.4',
      '2.17.0',
      '2.17.1',
    ]);
    expect(releasesWhere((f) => f.jm.enableJndi)).toEqual([
      '2.3.1',
      '2.3.2',
      '2.12.2',
      '2.12.3',
      '2.12.4',
      '2.16.0',
      '2.17.0',
      '2.17.1',
    ]);
  });

  it('the pre-2.15 constructor is in 2.1 to 2.14.1 but not in the last backports', () => {
    const withCtor = releasesWhere((f) => f.jm.oldConstructor);
    expect(withCtor[0]).toBe('2.1');
    expect(withCtor[withCtor.length - 1]).toBe('2.14.1');
    expect(withCtor).toEqual(expect.arrayContaining(['2.3.1', '2.12.2', '2.12.3']));
    expect(withCtor).not.toEqual(expect.arrayContaining(['2.3.2']));
    expect(withCtor).not.toContain('2.12.4');
  });

  it('JndiLookup, DataSourceConnectionSource and MessagePatternConverter markers', () => {
    expect(releasesWhere((f) => f.jl.enableJndiLookup)).toEqual([
      '2.3.1',
      '2.3.2',
      '2.12.3',
      '2.12.4',
      '2.17.0',
      '2.17.1',
    ]);
    expect(releasesWhere((f) => f.jl.notSupported)).toEqual(['2.12.2']);
    expect(releasesWhere((f) => f.jl.initialContext)).toEqual([
      '2.0-beta9',
      '2.0-rc1',
      '2.0-rc2',
      '2.0',
      '2.0.1',
      '2.0.2',
    ]);
    expect(releasesWhere((f) => f.ds.enableJndiJdbc)).toEqual(['2.3.2', '2.12.4', '2.17.1']);
    expect(releasesWhere((f) => f.mpc.noLookups)).toEqual(['2.16.0', '2.17.0', '2.17.1']);
  });

  it('class existence', () => {
    expect(releasesWhere((f) => f.setUtilsExists)).not.toContain('2.17.0');
    expect(releasesWhere((f) => f.setUtilsExists)[0]).toBe('2.2');
    expect(releasesWhere((f) => f.noSqlAppenderExists)[0]).toBe('2.10.0');
    expect(releasesWhere((f) => f.jmExists)[0]).toBe('2.1');
  });
});
