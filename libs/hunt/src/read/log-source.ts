import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';

/** How a log file's bytes are stored. */
export type Container = 'plain' | 'gzip' | 'zstd' | 'bzip2' | 'xz' | 'zip';
export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be';

export const CHUNK_BYTES = 1024 * 1024;

/** Magic bytes decide, not the name: rotated logs are `app.log.1.gz`, `app.log-20211210`, or renamed. */
export function containerOf(head: Buffer): Container {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.toString('latin1', 0, 4) === 'PK\x03\x04') return 'zip';
  return 'plain';
}

/**
 * Text or not, and in which encoding: a BOM, or NULs on every other byte (UTF-16 without BOM,
 * as Windows services write), else UTF-8/Latin-1 when the sample holds no NUL. Anything else
 * with NULs (wtmp, journal files, jars) is binary.
 */
export function sniffText(sample: Buffer): TextEncoding | 'binary' {
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf16le';
  if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf16be';
  const n = Math.min(sample.length, 4096) & ~1;
  if (n === 0) return 'utf8';
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (sample[i] === 0) even++;
    if (sample[i + 1] === 0) odd++;
  }
  if (odd > n / 4 && even < n / 64) return 'utf16le';
  if (even > n / 4 && odd < n / 64) return 'utf16be';
  return even + odd > 0 ? 'binary' : 'utf8';
}

export class DecompressedTooLarge extends Error {}

/**
 * Plain file bytes in chunks of CHUNK_BYTES. Two buffers: the next chunk is read while the
 * consumer works on this one (measured: a serial read left the CPU idle ~20% of a 1 GB hunt).
 * The consumer copies what it keeps before asking for the next chunk.
 */
export async function* plainChunks(fh: FileHandle): AsyncGenerator<Buffer> {
  const buffers = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
  let position = 0;
  let which = 0;
  let pending = fh.read(buffers[which], 0, CHUNK_BYTES, position);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return;
      const current = buffers[which];
      position += bytesRead;
      which ^= 1;
      pending = fh.read(buffers[which], 0, CHUNK_BYTES, position);
      yield current.subarray(0, bytesRead);
    }
  } finally {
    // Stopped early (a binary file, an error): the read ahead settles before the file closes.
    await pending.catch(() => undefined);
  }
}

function decompressor(container: Container): zlib.Gunzip | Readable | undefined {
  if (container === 'gzip') return zlib.createGunzip({ chunkSize: 256 * 1024 });
  // zstd is in zlib from Node 22.15 / 23.8; older runtimes report the file as unsupported.
  const zstd = (zlib as unknown as { createZstdDecompress?: () => Readable }).createZstdDecompress;
  if (container === 'zstd' && typeof zstd === 'function') return zstd();
  return undefined;
}

export function canDecompress(container: Container): boolean {
  return container === 'plain' || decompressor(container) !== undefined;
}

/** Decompressed bytes of a compressed log, stopping with DecompressedTooLarge past maxBytes (a bomb or a runaway log). */
export async function* decompressedChunks(
  path: string,
  container: Container,
  maxBytes: number,
): AsyncGenerator<Buffer> {
  const d = decompressor(container);
  if (!d) throw new Error(`no decompressor for ${container}`);
  const source = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const stream = source.pipe(d as NodeJS.WritableStream & Readable);
  source.on('error', (err) => (stream as Readable).destroy(err));
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes)
        throw new DecompressedTooLarge(`more than ${maxBytes} bytes decompressed`);
      yield chunk;
    }
  } finally {
    source.destroy();
    (stream as Readable).destroy();
  }
}

/** UTF-16 text re-encoded as UTF-8 chunks, so the byte-level scanner sees one encoding. */
export async function* utf16AsUtf8(
  chunks: AsyncIterable<Buffer>,
  encoding: 'utf16le' | 'utf16be',
): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be');
  for await (const chunk of chunks)
    yield Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8');
  const rest = decoder.decode();
  if (rest) yield Buffer.from(rest, 'utf8');
}

export async function openLog(path: string): Promise<FileHandle> {
  return open(path, 'r');
}
