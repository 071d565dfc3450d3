import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ScanCommand } from '@log4fleet/contracts';
import { scan, type Finding, type ScanError } from '@log4fleet/scanner';
import { toFindingMessage, toScanErrorMessage, toScanOptions } from './scan-mapping';

const CORE_2_14_1 = path.resolve(
  __dirname,
  '../../../../libs/scanner/test/fixtures/corpus/log4j-core-2.14.1.jar',
);

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

  it('scans a path sent as bytes that are not UTF-8 and reports it with those bytes', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'scan-mapping-'));
    try {
      const cafe = Buffer.concat([Buffer.from(`${base}/caf`), Buffer.of(0xe9)]); // latin-1 "café"
      mkdirSync(cafe);
      const jar = Buffer.concat([cafe, Buffer.from('/log4j-core-2.14.1.jar')]);
      writeFileSync(jar, readFileSync(CORE_2_14_1));
      const missing = Buffer.concat([Buffer.from(`${base}/gone`), Buffer.of(0xff)]);
      const options = toScanOptions(command({ paths: [cafe, missing] }), undefined);
      expect(options.paths).toEqual([cafe, missing]);
      const findings: Finding[] = [];
      const errors: ScanError[] = [];
      await scan(options, { finding: (f) => findings.push(f), error: (e) => errors.push(e) });
      expect(findings.map((f) => [toFindingMessage(f).chain, f.version, f.status])).toEqual([
        [[jar], '2.14.1', 'vulnerable'],
      ]);
      expect(errors.map((e) => toScanErrorMessage(e).chain)).toEqual([[missing]]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('keeps valid UTF-8 paths as text', () => {
    const options = toScanOptions(command({ paths: [Buffer.from('/srv/café')] }), undefined);
    expect(options.paths).toEqual(['/srv/café']);
  });
});
