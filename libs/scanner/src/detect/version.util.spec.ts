import { compareVersions, formatRange, KNOWN_2X_RELEASES, parseVersion, v } from './version.util';

describe('log4j versions', () => {
  it('orders pre-releases before the release and numbers numerically', () => {
    const ordered = [
      '2.0-alpha1',
      '2.0-beta2',
      '2.0-beta9',
      '2.0-rc1',
      '2.0',
      '2.0.2',
      '2.1',
      '2.9.1',
      '2.10.0',
      '2.17.1',
    ];
    const shuffled = [...ordered].reverse().map(v);
    expect(shuffled.sort(compareVersions).map((x) => x.text)).toEqual(ordered);
  });

  it('refuses strings that are not versions', () => {
    expect(parseVersion('debian')).toBeUndefined();
    expect(parseVersion('2.x')).toBeUndefined();
    expect(parseVersion(' 2.14.1 ')?.text).toBe('2.14.1');
  });

  it('keeps the known release list sorted', () => {
    const sorted = [...KNOWN_2X_RELEASES].sort(compareVersions);
    expect(sorted.map((x) => x.text)).toEqual(KNOWN_2X_RELEASES.map((x) => x.text));
  });

  it('formats candidates as a range up to the next release, open-ended after the newest', () => {
    expect(formatRange(['2.10.0', '2.12.1', '2.14.1'].map(v))).toBe('>=2.10.0 <2.15.0');
    expect(formatRange([v('2.3.1')])).toBe('2.3.1');
    expect(formatRange(KNOWN_2X_RELEASES.filter((x) => compareVersions(x, v('2.17.1')) >= 0))).toBe(
      '>=2.17.1',
    );
    expect(formatRange([])).toBe('2.x');
  });
});
