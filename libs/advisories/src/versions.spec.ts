import { compareVersions, parseVersionSpec, upstreamVersion, versionIn } from './versions';

describe('parseVersionSpec on the database’s own wording', () => {
  it.each([
    ['', { kind: 'blank' }],
    [' ', { kind: 'blank' }],
    ['N/A', { kind: 'blank' }],
    ['All', { kind: 'all' }],
    ['All Platforms', { kind: 'all' }],
    ['Current software and earlier', { kind: 'all' }],
    ['12.1', { kind: 'exact', version: '12.1' }],
    ['v4.13.0', { kind: 'exact', version: '4.13.0' }],
    ['4.3g', { kind: 'exact', version: '4.3g' }],
    ['1.x', { kind: 'series', prefix: '1' }],
    ['2019.1.*', { kind: 'series', prefix: '2019.1' }],
    ['Only versions 7.0.x', { kind: 'series', prefix: '7.0' }],
    ['< 4.3g', { kind: 'range', max: '4.3g', maxInclusive: false, minInclusive: false }],
    ['>= 1.0.0', { kind: 'range', min: '1.0.0', minInclusive: true, maxInclusive: false }],
    [
      '8.0.7 - 8.4.3',
      { kind: 'range', min: '8.0.7', minInclusive: true, max: '8.4.3', maxInclusive: true },
    ],
    [
      '7.4.0 to 7.7.3',
      { kind: 'range', min: '7.4.0', minInclusive: true, max: '7.7.3', maxInclusive: true },
    ],
    [
      '13 through 15',
      { kind: 'range', min: '13', minInclusive: true, max: '15', maxInclusive: true },
    ],
    [
      'All versions from 6.3 GA to 6.3.3',
      { kind: 'range', min: '6.3', minInclusive: true, max: '6.3.3', maxInclusive: true },
    ],
    [
      'The following versions and lower: 2021.4',
      { kind: 'range', max: '2021.4', maxInclusive: true, minInclusive: false },
    ],
    ['3.0.0 and older', { kind: 'range', max: '3.0.0', maxInclusive: true, minInclusive: false }],
    ['21.0 and later', { kind: 'range', min: '21.0', minInclusive: true, maxInclusive: false }],
    [
      'Versions prior to 11.5',
      { kind: 'range', max: '11.5', maxInclusive: false, minInclusive: false },
    ],
    ['stretch, buster, bullseye', { kind: 'text', text: 'stretch, buster, bullseye' }],
    ['on-prem', { kind: 'text', text: 'on-prem' }],
    ['11.5(1)SU7', { kind: 'text', text: '11.5(1)SU7' }],
  ])('%j', (text, spec) => {
    expect(parseVersionSpec(text)).toEqual(spec);
  });

  it('reads a list of versions in one item as a set', () => {
    const spec = parseVersionSpec('8.2 8.3 8.4 8.5 and 8.6');
    expect(spec.kind).toBe('set');
    expect(versionIn('8.4.1', spec)).toBe(true);
    expect(versionIn('8.7', spec)).toBe(false);
  });
});

describe('versionIn', () => {
  it('includes the release line an inclusive upper bound names', () => {
    const spec = parseVersionSpec('The following versions and lower: 2021.4');
    expect(versionIn('2021.4', spec)).toBe(true);
    expect(versionIn('2021.4.2', spec)).toBe(true);
    expect(versionIn('2021.3.9', spec)).toBe(true);
    expect(versionIn('2021.5', spec)).toBe(false);
  });

  it('keeps exclusive bounds exclusive and letters after numbers ordered', () => {
    const spec = parseVersionSpec('< 4.3g');
    expect(versionIn('4.3f', spec)).toBe(true);
    expect(versionIn('4.3g', spec)).toBe(false);
    expect(versionIn('4.2', spec)).toBe(true);
  });

  it('cannot say for text and blank items, or for a version that is not a number', () => {
    expect(versionIn('11', parseVersionSpec('stretch, buster, bullseye'))).toBeUndefined();
    expect(versionIn('1.0', parseVersionSpec(''))).toBeUndefined();
    expect(versionIn('latest', parseVersionSpec('All'))).toBeUndefined();
  });
});

describe('compareVersions and upstreamVersion', () => {
  it('orders numerically and puts pre-releases first', () => {
    expect(compareVersions('2.10.0', '2.9.1')).toBeGreaterThan(0);
    expect(compareVersions('2.0-beta9', '2.0')).toBeLessThan(0);
    expect(compareVersions('2.17.1', '2.17.1')).toBe(0);
  });

  it('strips epoch, revision or release, and repack suffixes', () => {
    expect(upstreamVersion('1:9.2p1-2+deb12u2', 'dpkg')).toBe('9.2p1');
    expect(upstreamVersion('2.17.1-1~deb11u1', 'dpkg')).toBe('2.17.1');
    expect(upstreamVersion('1:1.1.1k-9.el8_7', 'rpm')).toBe('1.1.1k');
    expect(upstreamVersion('1.2.17+dfsg-1', 'dpkg')).toBe('1.2.17');
    expect(upstreamVersion('2.14.1')).toBe('2.14.1');
  });
});
