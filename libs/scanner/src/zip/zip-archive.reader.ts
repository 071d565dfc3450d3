import { ScanProblem } from '../errors';
import type { RandomAccessSource } from './random-access.source';
import { decodeCp437 } from './entry-names.rules';

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_SIZE = 46;
export const LOCAL_HEADER_SIZE = 30;
const MAX_COMMENT = 0xffff;
/** Most archives have no comment: a first small tail read finds the EOCD without reading 64 KB. */
const FIRST_TAIL = 1024;
/** The directory is held in memory while an archive is listed: ~1.5 million typical entries. */
const MAX_CENTRAL_DIRECTORY_BYTES = 256 * 1024 * 1024;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;

export interface ZipEntry {
  readonly index: number;
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Offset of the local header in the source (leading bytes already accounted for). */
  readonly localHeaderOffset: number;
  readonly encrypted: boolean;
}

interface EndRecord {
  entries: number;
  cdSize: number;
  cdOffset: number;
  /** Where the central directory must end: the EOCD, or the zip64 EOCD when there is one. */
  cdEnd: number;
}

function u64(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ScanProblem('corrupt-archive', `Zip64 ${what} (${v}) is impossibly large.`);
  }
  return Number(v);
}

function findEocdIn(tail: Buffer, tailStart: number, size: number, exact: boolean): number {
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail[i] !== 0x50 || tail.readUInt32LE(i) !== SIG_EOCD) continue;
    const commentEnd = tailStart + i + EOCD_SIZE + tail.readUInt16LE(i + 20);
    if (exact ? commentEnd === size : commentEnd <= size) return tailStart + i;
  }
  return -1;
}

/** Absolute offset of the end-of-central-directory record, or -1 when there is none. */
export function findEndOfCentralDirectory(source: RandomAccessSource): number {
  const size = source.size;
  if (size < EOCD_SIZE) return -1;
  const spans = [Math.min(size, FIRST_TAIL), Math.min(size, MAX_COMMENT + EOCD_SIZE)];
  for (const span of spans) {
    const tailStart = size - span;
    const tail = source.read(tailStart, span);
    const pos = findEocdIn(tail, tailStart, size, true);
    if (pos >= 0) return pos;
    if (span === spans[1]) return findEocdIn(tail, tailStart, size, false);
  }
  return -1;
}

function readZip64End(source: RandomAccessSource, eocdPos: number): EndRecord | undefined {
  if (eocdPos < ZIP64_LOCATOR_SIZE) return undefined;
  const loc = source.read(eocdPos - ZIP64_LOCATOR_SIZE, ZIP64_LOCATOR_SIZE);
  if (loc.length < ZIP64_LOCATOR_SIZE || loc.readUInt32LE(0) !== SIG_ZIP64_LOCATOR)
    return undefined;
  const declared = u64(loc, 8, 'end record offset');
  // With leading bytes the declared offset is off by the prefix: the record normally sits right before the locator.
  const candidates = [eocdPos - ZIP64_LOCATOR_SIZE - ZIP64_EOCD_SIZE, declared];
  for (const at of candidates) {
    if (at < 0 || at + ZIP64_EOCD_SIZE > source.size) continue;
    const rec = source.read(at, ZIP64_EOCD_SIZE);
    if (rec.readUInt32LE(0) !== SIG_ZIP64_EOCD) continue;
    return {
      entries: u64(rec, 32, 'entry count'),
      cdSize: u64(rec, 40, 'central directory size'),
      cdOffset: u64(rec, 48, 'central directory offset'),
      cdEnd: at,
    };
  }
  throw new ScanProblem(
    'corrupt-archive',
    'Zip64 locator points to no zip64 end-of-central-directory record.',
  );
}

function readEndRecord(source: RandomAccessSource): EndRecord {
  const eocdPos = findEndOfCentralDirectory(source);
  if (eocdPos < 0) {
    throw new ScanProblem(
      'truncated-archive',
      'No end-of-central-directory record: the archive is truncated or not a zip.',
    );
  }
  const eocd = source.read(eocdPos, EOCD_SIZE);
  const needsZip64 =
    eocd.readUInt16LE(10) === 0xffff ||
    eocd.readUInt32LE(12) === 0xffffffff ||
    eocd.readUInt32LE(16) === 0xffffffff;
  try {
    const zip64 = readZip64End(source, eocdPos);
    if (zip64) return zip64;
  } catch (err) {
    // Bytes that merely look like a locator do not matter when the 32-bit record suffices.
    if (needsZip64) throw err;
  }
  return {
    entries: eocd.readUInt16LE(10),
    cdSize: eocd.readUInt32LE(12),
    cdOffset: eocd.readUInt32LE(16),
    cdEnd: eocdPos,
  };
}

function hasCentralSignature(source: RandomAccessSource, at: number): boolean {
  if (at < 0 || at + 4 > source.size) return false;
  return source.read(at, 4).readUInt32LE(0) === SIG_CENTRAL;
}

/**
 * Where the central directory really is. Offsets in the zip are relative to the start of
 * the archive; with bytes in front (a shell script before a Spring Boot jar) the archive
 * starts later than the file: the difference between where the directory ends (the EOCD)
 * and where the EOCD says it starts gives the shift.
 */
function locateCentralDirectory(
  source: RandomAccessSource,
  end: EndRecord,
): { start: number; shift: number } {
  if (end.cdSize === 0) return { start: end.cdEnd, shift: 0 };
  if (end.cdOffset + end.cdSize <= end.cdEnd && hasCentralSignature(source, end.cdOffset)) {
    return { start: end.cdOffset, shift: 0 };
  }
  const start = end.cdEnd - end.cdSize;
  if (start >= 0 && hasCentralSignature(source, start))
    return { start, shift: start - end.cdOffset };
  if (end.cdOffset + end.cdSize > source.size) {
    throw new ScanProblem(
      'corrupt-archive',
      `Central directory (${end.cdSize} bytes at offset ${end.cdOffset}) lies beyond the end of the ${source.size}-byte archive.`,
    );
  }
  throw new ScanProblem(
    'corrupt-archive',
    `No central directory at offset ${end.cdOffset}: bad signature.`,
  );
}

/** A zip's central directory over a random access source; entries are read on demand. */
export class ZipArchive {
  private constructor(
    readonly source: RandomAccessSource,
    /** The raw central directory: names are compared as bytes here. */
    readonly cd: Buffer,
    private readonly starts: Uint32Array,
    readonly count: number,
    /** Bytes in front of the archive that its offsets do not count. */
    readonly shift: number,
    /** Where the central directory starts in the source (absolute). */
    readonly cdStart: number,
    /** Where it ends: the end record follows (zip64 end record, locator, then EOCD). */
    readonly cdEnd: number,
  ) {}

  static open(source: RandomAccessSource, maxEntries: number): ZipArchive {
    const end = readEndRecord(source);
    if (end.entries > maxEntries) {
      throw new ScanProblem(
        'too-large',
        `Archive declares ${end.entries} entries, more than the limit of ${maxEntries}.`,
      );
    }
    if (end.cdSize > MAX_CENTRAL_DIRECTORY_BYTES) {
      throw new ScanProblem(
        'too-large',
        `Central directory of ${end.cdSize} bytes, over the limit of ${MAX_CENTRAL_DIRECTORY_BYTES}.`,
      );
    }
    const { start, shift } = locateCentralDirectory(source, end);
    const cd = source.read(start, end.cdSize);
    if (cd.length < end.cdSize) {
      throw new ScanProblem(
        'truncated-archive',
        `Central directory is cut short: ${cd.length} of ${end.cdSize} bytes.`,
      );
    }
    const starts = ZipArchive.indexRecords(cd, maxEntries);
    return new ZipArchive(
      source,
      cd,
      starts.offsets,
      starts.count,
      shift,
      start,
      start + cd.length,
    );
  }

  private static indexRecords(
    cd: Buffer,
    maxEntries: number,
  ): { offsets: Uint32Array; count: number } {
    let offsets = new Uint32Array(
      Math.max(16, Math.min(maxEntries, Math.floor(cd.length / CENTRAL_SIZE))),
    );
    let count = 0;
    let pos = 0;
    while (pos < cd.length) {
      if (pos + CENTRAL_SIZE > cd.length || cd.readUInt32LE(pos) !== SIG_CENTRAL) {
        throw new ScanProblem(
          'corrupt-archive',
          `Central directory record ${count} at offset ${pos} has a bad signature.`,
        );
      }
      const next =
        pos +
        CENTRAL_SIZE +
        cd.readUInt16LE(pos + 28) +
        cd.readUInt16LE(pos + 30) +
        cd.readUInt16LE(pos + 32);
      if (next > cd.length) {
        throw new ScanProblem(
          'corrupt-archive',
          `Central directory record ${count} runs past the end of the directory.`,
        );
      }
      if (count >= maxEntries) {
        throw new ScanProblem(
          'too-large',
          `Archive holds more than the limit of ${maxEntries} entries.`,
        );
      }
      if (count === offsets.length) {
        const bigger = new Uint32Array(offsets.length * 2);
        bigger.set(offsets);
        offsets = bigger;
      }
      offsets[count++] = pos;
      pos = next;
    }
    return { offsets, count };
  }

  /** Where record i lies in `cd`: [start, end), header, name, extra field and comment. */
  recordRange(i: number): [number, number] {
    const at = this.starts[i];
    const end = this.nameEnd(i) + this.cd.readUInt16LE(at + 30) + this.cd.readUInt16LE(at + 32);
    return [at, end];
  }

  nameStart(i: number): number {
    return this.starts[i] + CENTRAL_SIZE;
  }

  nameEnd(i: number): number {
    return this.nameStart(i) + this.cd.readUInt16LE(this.starts[i] + 28);
  }

  /** Declared uncompressed size without zip64 resolution (0xffffffff means "see entry()"). */
  rawUncompressedSize(i: number): number {
    return this.cd.readUInt32LE(this.starts[i] + 24);
  }

  name(i: number): string {
    const at = this.starts[i];
    const s = this.nameStart(i);
    const e = this.nameEnd(i);
    return this.cd.readUInt16LE(at + 8) & FLAG_UTF8
      ? this.cd.toString('utf8', s, e)
      : decodeCp437(this.cd, s, e);
  }

  entry(i: number): ZipEntry {
    const cd = this.cd;
    const at = this.starts[i];
    const flags = cd.readUInt16LE(at + 8);
    let compressedSize = cd.readUInt32LE(at + 20);
    let uncompressedSize = cd.readUInt32LE(at + 24);
    let localHeaderOffset = cd.readUInt32LE(at + 42);
    if (
      compressedSize === 0xffffffff ||
      uncompressedSize === 0xffffffff ||
      localHeaderOffset === 0xffffffff
    ) {
      const extra = this.zip64Extra(i);
      let p = 0;
      const next = (what: string): number => {
        if (!extra || p + 8 > extra.length) {
          throw new ScanProblem(
            'corrupt-archive',
            `Entry ${this.name(i)} lacks the zip64 ${what} its header announces.`,
          );
        }
        const v = u64(extra, p, what);
        p += 8;
        return v;
      };
      if (uncompressedSize === 0xffffffff) uncompressedSize = next('uncompressed size');
      if (compressedSize === 0xffffffff) compressedSize = next('compressed size');
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = next('local header offset');
    }
    return {
      index: i,
      name: this.name(i),
      method: cd.readUInt16LE(at + 10),
      flags,
      compressedSize,
      uncompressedSize,
      localHeaderOffset: localHeaderOffset + this.shift,
      encrypted: (flags & FLAG_ENCRYPTED) !== 0,
    };
  }

  private zip64Extra(i: number): Buffer | undefined {
    const extraStart = this.nameEnd(i);
    const extraEnd = extraStart + this.cd.readUInt16LE(this.starts[i] + 30);
    let p = extraStart;
    while (p + 4 <= extraEnd) {
      const id = this.cd.readUInt16LE(p);
      const len = this.cd.readUInt16LE(p + 2);
      if (id === 0x0001) return this.cd.subarray(p + 4, Math.min(extraEnd, p + 4 + len));
      p += 4 + len;
    }
    return undefined;
  }

  /**
   * Where the entry's data starts (from its local header: its name/extra lengths may differ
   * from the central directory's) and its first `prefetch` bytes, read along with the header
   * in one read when the lengths match.
   */
  readLocal(entry: ZipEntry, prefetch: number): { start: number; head: Buffer } {
    const at = entry.localHeaderOffset;
    const rec = this.starts[entry.index];
    const guess = this.cd.readUInt16LE(rec + 28) + this.cd.readUInt16LE(rec + 30);
    const want = Math.min(prefetch, entry.compressedSize);
    const buf = this.source.read(at, LOCAL_HEADER_SIZE + guess + want);
    if (buf.length < LOCAL_HEADER_SIZE || buf.readUInt32LE(0) !== SIG_LOCAL) {
      throw new ScanProblem(
        'corrupt-archive',
        `Entry ${entry.name} has no local header at offset ${at}.`,
      );
    }
    const rel = LOCAL_HEADER_SIZE + buf.readUInt16LE(26) + buf.readUInt16LE(28);
    const start = at + rel;
    if (start + entry.compressedSize > this.source.size) {
      throw new ScanProblem(
        'truncated-archive',
        `Entry ${entry.name} (${entry.compressedSize} bytes at offset ${start}) runs past the end of the archive.`,
      );
    }
    const head =
      rel + want <= buf.length ? buf.subarray(rel, rel + want) : this.source.read(start, want);
    return { start, head };
  }

  /** Offset of the entry's data. */
  dataOffset(entry: ZipEntry): number {
    return this.readLocal(entry, 0).start;
  }
}
