import { HUNT_LIMITS } from '@log4fleet/contracts';
import { HUNT_DEFAULTS, huntKind } from './hunt.kind';

describe('hunt kind: stored parameters to the wire', () => {
  it('sends the defaults as zeros and empty lists (the agent hunts the usual locations)', () => {
    expect(huntKind.toWire(huntKind.fromStored({}))).toEqual({
      $case: 'hunt',
      value: {
        paths: [],
        sinceMs: 0,
        indicatorStrings: [],
        indicatorC2: [],
        indicatorHashes: [],
        indicatorFilenames: [],
        indicatorPaths: [],
        configDirs: [],
        changedSinceMs: 0,
        noJvms: false,
        maxLineBytes: 0,
        maxDecompressedBytes: 0,
      },
    });
  });

  it.each([
    ['dates become Unix ms', { since: '2021-12-01T00:00:00Z' }, { sinceMs: Date.UTC(2021, 11, 1) }],
    ['an unreadable stored date is none', { changedSince: 'garbage' }, { changedSinceMs: 0 }],
    [
      'numbers are clamped to the limits',
      { maxLineBytes: 1e300 },
      { maxLineBytes: HUNT_LIMITS.maxLineBytes },
    ],
    ['a negative number is the default', { maxDecompressedBytes: -5 }, { maxDecompressedBytes: 0 }],
    [
      'non-strings are dropped from lists',
      { paths: ['/var/log', 42, null] },
      { paths: ['/var/log'] },
    ],
    ['noJvms only when true', { noJvms: 'yes' }, { noJvms: false }],
  ])('%s', (_what, stored, wire) => {
    const sent = huntKind.toWire(huntKind.fromStored(stored));
    expect(sent.$case).toBe('hunt');
    expect(sent.value).toMatchObject(wire);
  });

  it('stores every parameter the DTO takes', () => {
    expect(Object.keys(huntKind.fromStored({})).sort()).toEqual(Object.keys(HUNT_DEFAULTS).sort());
  });
});
