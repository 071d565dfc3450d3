import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { buildZip } from '../../test/support/jar-builder';
import { makeTempDir, yazlZip } from '../../test/engine-support';
import { ScanProblem } from '../errors';
import { DEFAULT_LIMITS } from '../types';
import { InflateBudget, peekEntry, readEntryBytes, spillEntry } from './entry-data.reader';
import { BufferSource, FdSource } from './random-access.source';
import { ZipArchive } from './zip-archive.reader';

const CLASS = Buffer.from('cafebabe'.repeat(300), 'hex');
const TEXT = Buffer.from('Manifest-Version: 1.0\r\nImplementation-Version: 2.14.1\r\n');

function open(buf: Buffer, maxEntries = 1000): ZipArchive {
  return ZipArchive.open(new BufferSource(buf), maxEntries);
}

function contents(zip: ZipArchive, limits = DEFAULT_LIMITS): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const budget = new InflateBudget(limits.maxTotalInflatedBytes);
  for (let i = 0; i < zip.count; i++) {
    const e = zip.entry(i);
    out.set(e.name, readEntryBytes(zip, e, limits, budget));
  }
  return out;
}

function problem(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScanProblem) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a ScanProblem, nothing was thrown');
}

/** Offset of the first central directory record (one-entry test zips). */
function cdRecord(buf: Buffer): number {
  return buf.indexOf(Buffer.from([0x50, 0x4b, 1, 2]));
}

const twoEntries = [
  { name: 'META-INF/MANIFEST.MF', data: TEXT },
  { name: 'org/apache/logging/log4j/core/LogEvent.class', data: CLASS, store: true },
];

describe('ZipArchive', () => {
  it('lists every entry and reads stored and deflated contents from a buffer and from a file', async () => {
    const buf = await buildZip(twoEntries);
    const { dir, cleanup } = makeTempDir('zip');
    try {
      const file = join(dir, 'a.jar');
      writeFileSync(file, buf);
      const fd = openSync(file, 'r');
      try {
        const fromFd = contents(ZipArchive.open(new FdSource(fd, buf.length), 1000));
        const fromBuf = contents(open(buf));
        expect([...fromBuf.keys()]).toEqual(twoEntries.map((e) => e.name));
        expect(fromBuf.get('META-INF/MANIFEST.MF')).toEqual(TEXT);
        expect(fromBuf.get(twoEntries[1].name)).toEqual(CLASS);
        expect(fromFd).toEqual(fromBuf);
      } finally {
        closeSync(fd);
      }
    } finally {
      cleanup();
    }
  });

  it('finds the end record behind an archive comment, even one that contains its signature', async () => {
    // yazl refuses such a comment: append it by hand.
    const comment = Buffer.from('built by hand PK\x05\x06 not a record '.repeat(40), 'latin1');
    const body = await buildZip(twoEntries);
    body.writeUInt16LE(comment.length, body.length - 2);
    const zip = open(Buffer.concat([body, comment]));
    expect(contents(zip).get('META-INF/MANIFEST.MF')).toEqual(TEXT);
  });

  it('reads an archive with a shell script in front (offsets relative to the zip)', async () => {
    const prefix = Buffer.from('#!/bin/bash\nexec java -jar "$0" "$@"\n'.repeat(50));
    const zip = open(await buildZip(twoEntries, { prefix }));
    expect(zip.shift).toBe(prefix.length);
    expect(contents(zip).get(twoEntries[1].name)).toEqual(CLASS);
  });

  it('reads an archive with a prefix whose offsets already count the prefix', async () => {
    const prefix = Buffer.from('#!/bin/sh\n'.repeat(10));
    const body = await buildZip(twoEntries);
    const buf = Buffer.concat([prefix, body]);
    // Rewrite the offsets the way Spring Boot's repackager writes them: from the file start.
    const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 5, 6]));
    buf.writeUInt32LE(buf.readUInt32LE(eocd + 16) + prefix.length, eocd + 16);
    for (let p = buf.indexOf(Buffer.from([0x50, 0x4b, 1, 2])); p >= 0 && p < eocd;) {
      buf.writeUInt32LE(buf.readUInt32LE(p + 42) + prefix.length, p + 42);
      p += 46 + buf.readUInt16LE(p + 28) + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    }
    const zip = open(buf);
    expect(zip.shift).toBe(0);
    expect(contents(zip).get('META-INF/MANIFEST.MF')).toEqual(TEXT);
  });

  it('reads zip64 archives (zip64 end record, locator and extra fields)', async () => {
    const buf = await yazlZip(twoEntries, { zip64: true });
    expect(buf.indexOf(Buffer.from([0x50, 0x4b, 6, 6]))).toBeGreaterThan(0);
    const zip = open(buf);
    expect(zip.count).toBe(2);
    expect(contents(zip).get(twoEntries[1].name)).toEqual(CLASS);
  });

  it('reads zip64 archives with a prefix', async () => {
    const prefix = Buffer.from('#!/bin/bash\n'.repeat(7));
    const zip = open(Buffer.concat([prefix, await yazlZip(twoEntries, { zip64: true })]));
    expect(contents(zip).get('META-INF/MANIFEST.MF')).toEqual(TEXT);
  });

  it('reads entries written with data descriptors: sizes come from the central directory', async () => {
    const buf = await yazlZip(twoEntries.map((e) => ({ ...e, store: false, stream: true })));
    const local = buf.indexOf(Buffer.from([0x50, 0x4b, 3, 4]));
    expect(buf.readUInt16LE(local + 6) & 0x8).toBe(0x8);
    expect(buf.readUInt32LE(local + 18)).toBe(0); // compressed size unknown in the local header
    const zip = open(buf);
    expect(contents(zip).get(twoEntries[1].name)).toEqual(CLASS);
  });

  it('decodes CP437 names without the UTF-8 flag and UTF-8 names with it', async () => {
    const buf = await buildZip([
      { name: 'caf_.txt', data: TEXT },
      { name: 'na\u00efve.txt', data: TEXT },
    ]);
    const first = cdRecord(buf);
    buf.writeUInt16LE(buf.readUInt16LE(first + 8) & ~0x800, first + 8);
    buf[first + 46 + 3] = 0x81; // 'ü' in code page 437
    const zip = open(buf);
    expect([zip.name(0), zip.name(1)]).toEqual(['caf\u00fc.txt', 'na\u00efve.txt']);
  });

  it('reports a file without an end record as a truncated archive', async () => {
    const buf = await buildZip(twoEntries);
    const cut = buf.subarray(0, buf.length - 30);
    expect(problem(() => open(cut)).code).toBe('truncated-archive');
  });

  it('reports a central directory beyond the end of the file as corrupt', async () => {
    const buf = await buildZip(twoEntries);
    const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 5, 6]));
    buf.writeUInt32LE(0x7fff0000, eocd + 16);
    buf.writeUInt32LE(buf.readUInt32LE(eocd + 12) + 10, eocd + 12);
    const p = problem(() => open(buf));
    expect(p.code).toBe('corrupt-archive');
    expect(p.message).toMatch(/beyond the end/);
  });

  it('reports a damaged central directory record and a missing local header as corrupt', async () => {
    const buf = await buildZip(twoEntries);
    const bad = Buffer.from(buf);
    bad.writeUInt32LE(0xdeadbeef, buf.indexOf(Buffer.from([0x50, 0x4b, 1, 2]), cdRecord(buf) + 4));
    expect(problem(() => open(bad)).code).toBe('corrupt-archive');

    const noLocal = Buffer.from(buf);
    noLocal.writeUInt32LE(0, 0);
    const zip = open(noLocal);
    const p = problem(() =>
      readEntryBytes(zip, zip.entry(0), DEFAULT_LIMITS, new InflateBudget(1e9)),
    );
    expect(p).toEqual({
      code: 'corrupt-archive',
      message: expect.stringContaining('META-INF/MANIFEST.MF'),
    });
  });

  it('names the compression method it cannot read', async () => {
    const buf = await buildZip([{ name: 'a.class', data: CLASS }]);
    buf.writeUInt16LE(12, cdRecord(buf) + 10);
    const zip = open(buf);
    const p = problem(() =>
      readEntryBytes(zip, zip.entry(0), DEFAULT_LIMITS, new InflateBudget(1e9)),
    );
    expect(p.code).toBe('unsupported');
    expect(p.message).toMatch(/BZIP2/);
  });

  it('refuses an archive with more entries than the limit', async () => {
    const buf = await buildZip(twoEntries);
    expect(problem(() => open(buf, 1)).code).toBe('too-large');
  });
});

describe('inflating within limits', () => {
  const zeros = Buffer.alloc(8 * 1024 * 1024);

  it('refuses an entry whose declared ratio is over the limit before inflating it', async () => {
    const zip = open(await buildZip([{ name: 'zeros.bin', data: zeros }]));
    const p = problem(() =>
      readEntryBytes(zip, zip.entry(0), DEFAULT_LIMITS, new InflateBudget(1e12)),
    );
    expect(p.code).toBe('zip-bomb');
    expect(p.message).toMatch(/ratio \d+:1, limit 200:1/);
  });

  it('caps inflation at the declared size when the header lies', async () => {
    const buf = await buildZip([{ name: 'lies.bin', data: zeros }]);
    const rec = cdRecord(buf);
    buf.writeUInt32LE(1000, rec + 24); // declares 1000 bytes, holds 8 MB
    const zip = open(buf);
    const p = problem(() =>
      readEntryBytes(zip, zip.entry(0), DEFAULT_LIMITS, new InflateBudget(1e12)),
    );
    expect(p).toEqual({
      code: 'zip-bomb',
      message: expect.stringContaining('past the 1000 bytes'),
    });
  });

  it('stops once the total inflated for one file passes its budget', async () => {
    const zip = open(
      await buildZip([
        { name: 'a.class', data: CLASS },
        { name: 'b.class', data: CLASS },
      ]),
    );
    const budget = new InflateBudget(CLASS.length + 10);
    expect(readEntryBytes(zip, zip.entry(0), DEFAULT_LIMITS, budget)).toEqual(CLASS);
    expect(problem(() => readEntryBytes(zip, zip.entry(1), DEFAULT_LIMITS, budget)).code).toBe(
      'zip-bomb',
    );
  });

  it('streams big deflated entries into memory with the same bytes, capped at the declared size', async () => {
    const data = Buffer.concat([randomBytes(1_500_000), Buffer.alloc(500_000, 7)]);
    const buf = await buildZip([{ name: 'big.jar', data }]);
    const zip = open(buf);
    expect(zip.entry(0).compressedSize).toBeGreaterThan(1024 * 1024);
    expect(readEntryBytes(zip, zip.entry(0), DEFAULT_LIMITS, new InflateBudget(1e12))).toEqual(
      data,
    );

    buf.writeUInt32LE(1_600_000, cdRecord(buf) + 24); // declares less than it holds
    const liar = open(buf);
    const p = problem(() =>
      readEntryBytes(liar, liar.entry(0), DEFAULT_LIMITS, new InflateBudget(1e12)),
    );
    expect(p).toEqual({
      code: 'zip-bomb',
      message: expect.stringContaining('past the 1600000 bytes'),
    });
  });

  it('spills a deflated entry to a file with the same bytes as inflating it in memory', async () => {
    const data = Buffer.concat(
      Array.from({ length: 40 }, (_, i) => deflateRawSync(Buffer.alloc(70_000, i))),
    );
    const zip = open(await buildZip([{ name: 'big.jar', data }]));
    const { dir, cleanup } = makeTempDir('spill');
    try {
      const out = join(dir, 'spilled');
      spillEntry(zip, zip.entry(0), DEFAULT_LIMITS, new InflateBudget(1e12), out);
      expect(existsSync(out)).toBe(true);
      expect(readFileSync(out)).toEqual(data);
    } finally {
      cleanup();
    }
  });

  it('a big deflated entry whose stream is cut short or damaged is corrupt, in memory and spilled', async () => {
    const data = Buffer.concat([randomBytes(1_500_000), Buffer.alloc(500_000, 7)]);
    const buf = await buildZip([{ name: 'big.jar', data }]);
    const compressed = buf.readUInt32LE(cdRecord(buf) + 20);
    expect(compressed).toBeGreaterThan(1024 * 1024); // the streaming path
    const cut = Buffer.from(buf);
    cut.writeUInt32LE(compressed - 5000, cdRecord(cut) + 20); // the stream ends before its end
    const damaged = Buffer.from(buf);
    // The random part deflates to stored blocks (any bytes are valid there); the zeros at the
    // end are Huffman-coded: bytes of 0xff in them make an invalid code.
    const end = open(buf).dataOffset(open(buf).entry(0)) + compressed;
    damaged.fill(0xff, end - 300, end - 250);
    const { dir, cleanup } = makeTempDir('spill-bad');
    try {
      for (const [label, zipBytes] of [
        ['cut', cut],
        ['damaged', damaged],
      ] as const) {
        const zip = open(zipBytes);
        const inMemory = problem(() =>
          readEntryBytes(zip, zip.entry(0), DEFAULT_LIMITS, new InflateBudget(1e12)),
        );
        const spilled = problem(() =>
          spillEntry(zip, zip.entry(0), DEFAULT_LIMITS, new InflateBudget(1e12), join(dir, label)),
        );
        const says =
          label === 'cut'
            ? /^Entry big\.jar does not inflate: its compressed data ends before the deflate stream does\.$/
            : /^Entry big\.jar (does not inflate|inflates to \d+ bytes)/;
        for (const p of [inMemory, spilled])
          expect({ label, ...p }).toEqual({
            label,
            code: 'corrupt-archive',
            message: expect.stringMatching(says),
          });
      }
    } finally {
      cleanup();
    }
  });

  it('peeks at the first bytes of a deflated entry without inflating all of it', async () => {
    const inner = await buildZip(twoEntries);
    const zip = open(await buildZip([{ name: 'x.bin', data: Buffer.concat([inner, zeros]) }]));
    expect(peekEntry(zip, zip.entry(0), 4)).toEqual(Buffer.from([0x50, 0x4b, 3, 4]));
  });
});
