import type { Product, Status } from '@log4fleet/scanner';
import { ExitCodeTracker, exitCodeFor, ScanExit } from './exit-code';

const f = (product: Product, status: Status) => ({ product, status });

describe('exitCodeFor', () => {
  it('is 0 when only safe copies were found and nothing failed', () => {
    expect(exitCodeFor([], 0)).toBe(0);
    expect(exitCodeFor([f('log4j-core', 'safe'), f('reload4j', 'safe')], 0)).toBe(0);
  });

  it('is 2 as soon as one log4j-core is vulnerable, whatever else was found', () => {
    expect(
      exitCodeFor(
        [f('log4j-core', 'safe'), f('log4j-core', 'vulnerable'), f('log4j-1.x', 'vulnerable')],
        5,
      ),
    ).toBe(ScanExit.VULNERABLE);
  });

  it('is 1 for a vulnerable log4j 1.x or reload4j, which is not log4j-core', () => {
    expect(exitCodeFor([f('log4j-1.x', 'vulnerable')], 0)).toBe(1);
    expect(exitCodeFor([f('reload4j', 'vulnerable')], 0)).toBe(1);
  });

  it('is 1 for mitigated or undecided copies, even with scan errors', () => {
    expect(exitCodeFor([f('log4j-core', 'mitigated')], 0)).toBe(1);
    expect(exitCodeFor([f('log4j-core', 'unknown')], 2)).toBe(1);
  });

  it('is 3 when errors left the scan incomplete and nothing needing attention was found', () => {
    expect(exitCodeFor([f('log4j-core', 'safe')], 1)).toBe(ScanExit.INCOMPLETE);
    expect(exitCodeFor([], 1)).toBe(3);
  });

  it('stays 0 when the only errors are symlink loops, since what they point to was scanned', () => {
    const tracker = new ExitCodeTracker();
    tracker.onError({ code: 'symlink-loop' });
    expect(tracker.code()).toBe(ScanExit.CLEAN);
    tracker.onError({ code: 'permission-denied' });
    expect(tracker.code()).toBe(ScanExit.INCOMPLETE);
  });
});
