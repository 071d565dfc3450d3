import type { ScanCommand } from '@log4fleet/contracts';
import { toScanOptions } from './scan-mapping';

function command(overrides: Partial<ScanCommand> = {}): ScanCommand {
  return {
    paths: [Buffer.from('/srv/apps')],
    exclude: [],
    includeNetworkFs: false,
    oneFileSystem: false,
    maxDepth: 0,
    maxNestedBytes: 0,
    threads: 0,
    nice: false,
    processes: false,
    processesOnly: false,
    ...overrides,
  };
}

describe('toScanOptions (daemon)', () => {
  it('M1: refuses more than 256 exclude patterns or one over 4096 characters, naming it', () => {
    const many = Array.from({ length: 257 }, (_, i) => `/p${i}`);
    expect(() => toScanOptions(command({ exclude: many }), undefined)).toThrow(
      '257 exclude patterns, more than the limit of 256',
    );
    const long = `**/${'y'.repeat(4096)}`;
    expect(() => toScanOptions(command({ exclude: [long] }), undefined)).toThrow(
      /Invalid exclude pattern "\*\*\/y+…": 4099 characters/,
    );
    expect(toScanOptions(command({ exclude: ['*a*a*a*a*a*a*a*a*b'] }), undefined).exclude).toEqual([
      '*a*a*a*a*a*a*a*a*b',
    ]);
  });
});
