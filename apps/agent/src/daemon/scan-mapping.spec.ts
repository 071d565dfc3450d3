import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROTOCOL_LIMITS as L, type ScanCommand } from '@log4fleet/contracts';
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

describe('D4: what the agent sends stays within the shared protocol limits', () => {
  const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

  it('cuts an oversized finding and scan error from the engine to the limits the controller checks', () => {
    const huge: Finding = {
      product: 'log4j-core',
      version: 'é'.repeat(L.versionBytes),
      versionExact: false,
      status: 'unknown',
      cves: Array.from({ length: L.cves + 5 }, () => 'CVE-2021-44228'),
      evidence: Array.from({ length: L.evidence + 5 }, () => 'x'.repeat(L.evidenceBytes + 5)),
      packageRoot: 'p'.repeat(L.packageRootBytes + 5),
      path: '/srv/a.jar',
      chain: Array.from({ length: L.chainElements + 5 }, () => 'n'.repeat(L.chainElementBytes + 5)),
    };
    const f = toFindingMessage(huge);
    expect(bytes(f.version)).toBeLessThanOrEqual(L.versionBytes);
    expect(f.cves).toHaveLength(L.cves);
    expect(f.evidence).toHaveLength(L.evidence);
    expect(Math.max(...f.evidence.map(bytes))).toBe(L.evidenceBytes);
    expect(bytes(f.packageRoot)).toBe(L.packageRootBytes);
    expect(f.chain).toHaveLength(L.chainElements);
    expect(Math.max(...f.chain.map((c) => c.length))).toBe(L.chainElementBytes);
    const e = toScanErrorMessage({
      path: '/srv/b.jar',
      chain: ['/srv/b.jar'],
      code: 'corrupt-archive',
      error: 'ü'.repeat(L.messageBytes),
    });
    expect(bytes(e.message)).toBeLessThanOrEqual(L.messageBytes);
  });
});
