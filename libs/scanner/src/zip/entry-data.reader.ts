import { closeSync, openSync, writeSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { Inflate } from 'pako';
import { inflatePrefix } from './inflate-prefix';
import { ScanProblem } from '../errors';
import type { ScanLimits } from '../types';
import { SliceSource, type RandomAccessSource } from './random-access.source';
import type { ZipArchive, ZipEntry } from './zip-archive.reader';

export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

const METHOD_NAMES: Readonly<Record<number, string>> = {
  1: 'Shrink',
  6: 'Implode',
  9: 'Deflate64',
  12: 'BZIP2',
  14: 'LZMA',
  93: 'Zstandard',
  95: 'XZ',
  98: 'PPMd',
  99: 'AES-encrypted',
};

/** Below this size a high ratio is harmless (a few KB of zeros compresses 100:1). */
const BOMB_MIN_BYTES = 1024 * 1024;
const SPILL_CHUNK = 1024 * 1024;
/** zlib's status when the input ends before the stream does. */
const Z_BUF_ERROR = -5;
/**
 * Output handed from the streaming inflater to its sink at a time (and checked). Each is a new
 * buffer, dead once written, and a worker collects them only when its young generation fills:
 * with 64 KB pieces the 1 GB archive peaked at 122-125 MB RSS, with 16 KB at 109-113 MB, in
 * the same time.
 */
const OUT_CHUNK = 16 * 1024;
/** Deflated entries with more compressed bytes than this are inflated as a stream. */
const STREAM_ABOVE = 1024 * 1024;

export type EntryLimits = Pick<
  ScanLimits,
  'maxEntryBytes' | 'maxCompressionRatio' | 'maxTotalInflatedBytes'
>;

/** Thrown once a file's inflate budget is spent: the rest of that file is not scanned. */
export class BudgetSpent extends ScanProblem {}

/** Bytes inflated so far for one outer file, across all nesting levels. */
export class InflateBudget {
  used = 0;

  constructor(readonly max: number) {}

  charge(bytes: number, name: string): void {
    if (this.used + bytes > this.max) {
      throw new BudgetSpent(
        'zip-bomb',
        `Inflating ${name} would take this file past the limit of ${this.max} inflated bytes; stopped.`,
      );
    }
    this.used += bytes;
  }
}

function methodName(method: number): string {
  return METHOD_NAMES[method] ?? `method ${method}`;
}

/**
 * Refuses what cannot or must not be inflated, before any byte is read. `inPlace`: a stored
 * entry read as a slice of its parent costs no memory, so its size is not limited.
 */
export function checkEntry(entry: ZipEntry, limits: EntryLimits, inPlace = false): void {
  if (entry.encrypted) throw new ScanProblem('unsupported', `Entry ${entry.name} is encrypted.`);
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED) {
    throw new ScanProblem(
      'unsupported',
      `Entry ${entry.name} uses unsupported compression ${methodName(entry.method)}.`,
    );
  }
  if (entry.method === METHOD_STORED && entry.compressedSize !== entry.uncompressedSize) {
    throw new ScanProblem(
      'corrupt-archive',
      `Stored entry ${entry.name} declares different sizes.`,
    );
  }
  if (
    entry.uncompressedSize > limits.maxEntryBytes &&
    !(inPlace && entry.method === METHOD_STORED)
  ) {
    throw new ScanProblem(
      'too-large',
      `Entry ${entry.name} declares ${entry.uncompressedSize} bytes, over the limit of ${limits.maxEntryBytes}.`,
    );
  }
  const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
  if (entry.uncompressedSize >= BOMB_MIN_BYTES && ratio > limits.maxCompressionRatio) {
    throw new ScanProblem(
      'zip-bomb',
      `Entry ${entry.name} expands ${entry.compressedSize} bytes to ${entry.uncompressedSize} (ratio ${Math.round(ratio)}:1, limit ${limits.maxCompressionRatio}:1).`,
    );
  }
}

function isBufferTooLarge(err: unknown): boolean {
  return (
    err instanceof RangeError || (err as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE'
  );
}

function inflateExact(compressed: Buffer, entry: ZipEntry): Buffer {
  const declared = entry.uncompressedSize;
  let out: Buffer;
  try {
    // maxOutputLength caps memory whatever the stream really holds: a header that lies cannot blow up.
    out = inflateRawSync(compressed, {
      maxOutputLength: Math.max(1, declared),
      chunkSize: Math.min(Math.max(declared + 64, 1024), 1 << 20),
    });
  } catch (err) {
    if (isBufferTooLarge(err)) {
      throw new ScanProblem(
        'zip-bomb',
        `Entry ${entry.name} inflates past the ${declared} bytes its header declares.`,
      );
    }
    const msg = err instanceof Error ? err.message : String(err);
    throw new ScanProblem('corrupt-archive', `Entry ${entry.name} does not inflate: ${msg}.`);
  }
  if (out.length !== declared) {
    throw new ScanProblem(
      'corrupt-archive',
      `Entry ${entry.name} inflates to ${out.length} bytes, its header declares ${declared}.`,
    );
  }
  return out;
}

/** The whole content of one entry, in memory (use only for entries whose size is bounded). */
export function readEntryBytes(
  zip: ZipArchive,
  entry: ZipEntry,
  limits: EntryLimits,
  budget: InflateBudget,
): Buffer {
  checkEntry(entry, limits);
  if (entry.method === METHOD_DEFLATED && entry.compressedSize > STREAM_ABOVE) {
    // Big entries stream from the source: only the output is ever whole in memory.
    const { start } = zip.readLocal(entry, 0);
    budget.charge(entry.uncompressedSize, entry.name);
    const out = Buffer.allocUnsafe(entry.uncompressedSize);
    let at = 0;
    inflateChunks(zip.source, start, entry, (chunk) => {
      out.set(chunk, at);
      at += chunk.length;
    });
    return out;
  }
  const raw = zip.readLocal(entry, entry.compressedSize).head;
  if (entry.method === METHOD_STORED) return raw;
  budget.charge(entry.uncompressedSize, entry.name);
  return inflateExact(raw, entry);
}

/** A stored entry read in place inside its parent: no copy. */
export function storedEntrySource(zip: ZipArchive, entry: ZipEntry): RandomAccessSource {
  return new SliceSource(zip.source, zip.dataOffset(entry), entry.compressedSize);
}

/**
 * The first bytes of an entry (magic check). A deflated entry is decoded only as far as those
 * bytes (inflatePrefix: no zlib stream per entry), from its first 128 compressed bytes, or
 * 4 KB when a dynamic Huffman table needs more before the first output byte. Not DEFLATE,
 * encrypted or another method: no bytes.
 */
export function peekEntry(zip: ZipArchive, entry: ZipEntry, length: number): Buffer {
  if (entry.encrypted || (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED))
    return Buffer.alloc(0);
  const FIRST_TRY = 128;
  const { start, head } = zip.readLocal(entry, entry.method === METHOD_STORED ? length : FIRST_TRY);
  if (entry.method === METHOD_STORED) return head;
  for (const input of [FIRST_TRY, 4096]) {
    const raw =
      input === FIRST_TRY ? head : zip.source.read(start, Math.min(entry.compressedSize, input));
    const prefix = inflatePrefix(raw, length);
    if (!prefix) return Buffer.alloc(0);
    if (!prefix.truncated || raw.length >= entry.compressedSize) return prefix.bytes;
  }
  return Buffer.alloc(0);
}

/**
 * Inflates a big deflated entry into `filePath` chunk by chunk (pako's synchronous
 * streaming inflater: zlib offers no synchronous streaming API), so memory stays at a few MB.
 */
export function spillEntry(
  zip: ZipArchive,
  entry: ZipEntry,
  limits: EntryLimits,
  budget: InflateBudget,
  filePath: string,
): void {
  checkEntry(entry, limits);
  const start = zip.dataOffset(entry);
  budget.charge(entry.uncompressedSize, entry.name);
  const fd = openSync(filePath, 'wx', 0o600);
  try {
    if (entry.method === METHOD_STORED) {
      copyStored(zip.source, start, entry.compressedSize, fd);
      return;
    }
    inflateChunks(zip.source, start, entry, (chunk) => writeSync(fd, chunk));
  } finally {
    closeSync(fd);
  }
}

/**
 * One read buffer per thread for streaming an entry: each read is consumed (written, or
 * pushed to the inflater, which copies what it keeps) before the next. A new 1 MB buffer per
 * read was 190 MB of churn on this root filesystem, and freed buffers of that size make
 * glibc serve later ones from its heap, which does not shrink again.
 */
let streamBuf: Buffer | undefined;
const streamBuffer = (): Buffer => (streamBuf ??= Buffer.allocUnsafe(SPILL_CHUNK));

function copyStored(source: RandomAccessSource, start: number, size: number, fd: number): void {
  const scratch = streamBuffer();
  for (let pos = 0; pos < size; pos += SPILL_CHUNK) {
    const chunk = source.read(start + pos, Math.min(SPILL_CHUNK, size - pos), scratch);
    writeSync(fd, chunk);
  }
}

/**
 * Inflates an entry chunk by chunk, handing each piece to `sink`; never more than declared.
 * pako's streaming inflater (zlib's own code in JavaScript: Node's zlib has no synchronous
 * streaming API) hands its output over in OUT_CHUNK pieces as it goes, even within one push,
 * so the declared size is checked every 16 KB of output: a header that lies costs no memory.
 * fflate's inflater, used before, handed over a push's whole output at once, so a 1 MB push
 * of a lying 2 MB zip (declares 40 MB, holds 2 GB of zeros) grew one buffer to 1 GB
 * (3.2 GB RSS, 10 s); cutting its pushes to 16 KB bounded that, but it then allocated and
 * copied at least 160 KB per push, which cost 15-30 MB of peak RSS on a whole-disk scan.
 */
function inflateChunks(
  source: RandomAccessSource,
  start: number,
  entry: ZipEntry,
  sink: (chunk: Uint8Array) => void,
): void {
  let written = 0;
  const inflater = new Inflate({ raw: true, chunkSize: OUT_CHUNK });
  inflater.onData = (chunk) => {
    written += chunk.length;
    if (written > entry.uncompressedSize) {
      throw new ScanProblem(
        'zip-bomb',
        `Entry ${entry.name} inflates past the ${entry.uncompressedSize} bytes its header declares.`,
      );
    }
    sink(chunk);
  };
  inflater.onEnd = () => undefined; // pako's own would gather every chunk into one result
  const size = entry.compressedSize;
  const scratch = streamBuffer();
  try {
    for (let pos = 0; pos < size && !inflater.ended; pos += SPILL_CHUNK) {
      const n = Math.min(SPILL_CHUNK, size - pos);
      inflater.push(source.read(start + pos, n, scratch), pos + n >= size);
    }
  } catch (err) {
    if (err instanceof ScanProblem) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new ScanProblem('corrupt-archive', `Entry ${entry.name} does not inflate: ${msg}.`);
  }
  if (inflater.err !== 0) {
    // Z_BUF_ERROR after the last push: zlib's "buffer error" means the input ran out.
    const why =
      inflater.err === Z_BUF_ERROR
        ? 'its compressed data ends before the deflate stream does'
        : inflater.msg || `zlib error ${inflater.err}`;
    throw new ScanProblem('corrupt-archive', `Entry ${entry.name} does not inflate: ${why}.`);
  }
  if (written !== entry.uncompressedSize) {
    throw new ScanProblem(
      'corrupt-archive',
      `Entry ${entry.name} inflates to ${written} bytes, its header declares ${entry.uncompressedSize}.`,
    );
  }
}
