import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanFile, type Detector } from '../src/engine';
import type { Detection, ScanErrorCode } from '../src/types';
import { buildZip } from './support/jar-builder';
import { makeTempDir, seededRandom } from './engine-support';

/** Stand-in detector: reads every name it gets (exercising the reader) and reports a copy when LogEvent reads. */
const readingDetector: Detector = (names, reader) => {
  let found = false;
  for (const n of names) {
    try {
      if (reader.read(n) !== undefined && n.endsWith('core/LogEvent.class')) found = true;
    } catch {
      // unreadable: the engine has recorded why
    }
  }
  const d: Detection = {
    product: 'log4j-core',
    version: 'test',
    versionExact: false,
    status: 'unknown',
    cves: [],
    evidence: ['stand-in'],
    packageRoot: 'org/apache/logging/log4j/',
  };
  return found ? [d] : [];
};

async function sample(): Promise<Buffer> {
  const cls = Buffer.from('cafebabe0000003400'.repeat(40), 'hex');
  const deep = await buildZip([
    { name: 'org/apache/logging/log4j/core/LogEvent.class', data: cls },
  ]);
  const inner = await buildZip([
    { name: 'org/apache/logging/log4j/core/LogEvent.class', data: cls },
    { name: 'lib/deep.jar', data: deep },
  ]);
  return buildZip([
    { name: 'META-INF/MANIFEST.MF', data: Buffer.from('Manifest-Version: 1.0\r\n') },
    { name: 'WEB-INF/lib/inner.jar', data: inner, store: true },
    { name: 'WEB-INF/lib/other.jar', data: deep },
    { name: 'payload/x.bin', data: inner },
  ]);
}

const FILE_PROBLEMS: ReadonlySet<ScanErrorCode> = new Set([
  'corrupt-archive',
  'truncated-archive',
  'zip-bomb',
  'too-deep',
  'too-large',
  'unsupported',
]);

describe('scanFile on damaged archives', () => {
  it('turns every kind of damage into error records, never a throw or a hang', async () => {
    const { dir, cleanup } = makeTempDir('fuzz');
    try {
      const base = await sample();
      const file = join(dir, 'app.war');
      writeFileSync(file, base);
      const intact = scanFile(file, { detector: readingDetector });
      expect(intact.errors).toEqual([]);
      expect(intact.findings.map((f) => f.chain.slice(1))).toEqual([
        ['WEB-INF/lib/inner.jar'],
        ['WEB-INF/lib/inner.jar', 'lib/deep.jar'],
        ['WEB-INF/lib/other.jar'],
        ['payload/x.bin'],
        ['payload/x.bin', 'lib/deep.jar'],
      ]);

      const rand = seededRandom(20211210);
      const seen = new Set<string>();
      for (let i = 0; i < 400; i++) {
        const buf = Buffer.from(base);
        const kind = i % 4;
        let data = buf;
        if (kind === 0)
          for (let k = 0; k < 8; k++)
            buf[Math.floor(rand() * buf.length)] ^= 1 + Math.floor(rand() * 255);
        if (kind === 1)
          for (let k = 0; k < 4; k++)
            buf[buf.length - 1 - Math.floor(rand() * buf.length * 0.2)] ^= 0xff;
        if (kind === 2) data = buf.subarray(0, Math.floor(rand() * buf.length));
        if (kind === 3) buf.writeUInt32LE(0xffffffff, Math.floor(rand() * (buf.length - 4)));
        writeFileSync(file, data);
        const r = scanFile(file, { detector: readingDetector });
        for (const e of r.errors) {
          seen.add(e.code);
          expect({
            i,
            code: e.code,
            ok: FILE_PROBLEMS.has(e.code),
            chained: e.path.startsWith(file),
          }).toEqual({
            i,
            code: e.code,
            ok: true,
            chained: true,
          });
          expect(e.error.length).toBeGreaterThan(10);
        }
      }
      // The damage reached the parser in several ways, not just one.
      expect(seen.size).toBeGreaterThanOrEqual(3);
    } finally {
      cleanup();
    }
  }, 60_000);
});
