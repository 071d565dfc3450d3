import { DEFAULT_LIMITS } from '@log4fleet/scanner';
import { collectExclude, integerIn, parseByteSize, toScanOptions } from './scan-options';

describe('scan option values', () => {
  it('reads sizes with binary suffixes', () => {
    expect(parseByteSize('64M')).toBe(64 * 1024 * 1024);
    expect(parseByteSize('1G')).toBe(1024 ** 3);
    expect(parseByteSize('512k')).toBe(512 * 1024);
    expect(parseByteSize('2MiB')).toBe(2 * 1024 * 1024);
    expect(parseByteSize('4096')).toBe(4096);
  });

  it('refuses sizes that are not sizes', () => {
    for (const bad of ['', 'abc', '-1M', '0', '12X', '1.5.2G'])
      expect(() => parseByteSize(bad)).toThrow(/expected a size/);
  });

  it('refuses non-numbers, negatives and out-of-range counts', () => {
    const threads = integerIn(0, 1024);
    expect(threads('4')).toBe(4);
    expect(threads('0')).toBe(0);
    for (const bad of ['abc', '-1', '2.5', '1e3', '', '5000'])
      expect(() => threads(bad)).toThrow(/whole number from 0 to 1024/);
  });

  it('maps CLI options onto the engine options, defaulting to / and the default limits', () => {
    const o = toScanOptions([], { progress: true, maxDepth: 3 }, '/x/scan-worker.js');
    expect(o.paths).toEqual(['/']);
    expect(o.limits).toEqual({ ...DEFAULT_LIMITS, maxDepth: 3 });
    expect(o.threads).toBeGreaterThan(0);
    expect(o.workerFile).toBe('/x/scan-worker.js');
    const rel = toScanOptions(
      ['rel/dir'],
      { progress: true, threads: 0, exclude: ['*.log'], oneFileSystem: true },
      '/w.js',
    );
    expect(rel.paths).toEqual([`${process.cwd()}/rel/dir`]);
    expect(rel).toMatchObject({
      threads: 0,
      exclude: ['*.log'],
      oneFileSystem: true,
      includeNetworkFs: false,
    });
  });

  it('M1: --exclude refuses more than 256 patterns or one over 4096 characters, naming it', () => {
    let all: string[] | undefined;
    for (let i = 0; i < 256; i++) all = collectExclude(`/p${i}`, all);
    expect(all).toHaveLength(256);
    expect(() => collectExclude('/one-too-many', all)).toThrow(
      '257 exclude patterns, more than the limit of 256',
    );
    expect(() => collectExclude(`/${'x'.repeat(4096)}`, undefined)).toThrow(
      /Invalid exclude pattern "\/x+…": 4097 characters, more than the limit of 4096/,
    );
    expect(collectExclude('*a*a*a*a*a*a*a*a*b', undefined)).toEqual(['*a*a*a*a*a*a*a*a*b']);
  });
});
