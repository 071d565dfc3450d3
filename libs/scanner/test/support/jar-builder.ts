/**
 * Test helpers to build zips (jars, wars, nested archives) in memory or on disk, from the
 * slim corpus fixtures in `test/fixtures/corpus/` or from scratch. Stable API, used by the
 * detector, engine and CLI tests:
 *
 *   buildZip(entries, opts?)              -> Promise<Buffer>   a zip made with yazl
 *       entries: { name, data, store? }[]   store: true writes the entry uncompressed (method 0)
 *       opts.prefix: Buffer                 bytes put before the zip (Spring Boot launch script);
 *                                           offsets stay relative to the zip's own start, as
 *                                           such jars have them
 *       opts.comment: string                archive comment
 *   writeZip(path, entries, opts?)        -> Promise<Buffer>   buildZip + write to disk
 *   readFixtureEntries(fixtureName)       -> Promise<ZipEntryData[]>  file entries (no
 *                                           directories) of e.g. 'log4j-core-2.14.1.jar'
 *   fixturePath(fixtureName)              -> absolute path of a slim corpus fixture
 *   listFixtures()                        -> the fixture file names
 *   readZipEntries(buffer, label?)        -> ZipEntryData[]   reads any small test zip
 *   relocate(entries, fromPrefix, toPrefix) entries under fromPrefix moved under toPrefix
 *                                           (others unchanged), e.g. shading
 *   renameExt(entries, '.class', '.esclazz')  rename entries ending in one extension
 *   without(entries, predicate)           -> entries for which predicate(entry) is false
 *   setEntry(entries, name, data)         -> entries with `name` replaced or added
 *   inMemoryArchive(entries)              -> { names, reader } for detectLog4j (no zip involved)
 *   replaceUtf8Constant(classBytes, from, to)  rewrites one constant-pool string (patched classes)
 *
 * All helpers are pure (return new arrays) and keep entry data Buffers as they are.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { ZipFile } from 'yazl';

export interface ZipEntryData {
  name: string;
  data: Buffer;
  /** Write uncompressed (method 0). Default: deflated. */
  store?: boolean;
}

export interface BuildZipOptions {
  prefix?: Buffer;
  comment?: string;
}

export const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'corpus');

const FIXED_MTIME = new Date(2021, 11, 10, 12, 0, 0);

export async function buildZip(
  entries: readonly ZipEntryData[],
  opts: BuildZipOptions = {},
): Promise<Buffer> {
  const zip = new ZipFile();
  for (const e of entries) {
    zip.addBuffer(e.data, e.name, { compress: e.store !== true, mtime: FIXED_MTIME });
  }
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve());
    zip.outputStream.on('error', reject);
  });
  zip.end({ forceZip64Format: false, comment: opts.comment ?? '' });
  await done;
  const body = Buffer.concat(chunks);
  return opts.prefix ? Buffer.concat([opts.prefix, body]) : body;
}

export async function writeZip(
  path: string,
  entries: readonly ZipEntryData[],
  opts: BuildZipOptions = {},
): Promise<Buffer> {
  const buf = await buildZip(entries, opts);
  await writeFile(path, buf);
  return buf;
}

export function fixturePath(fixtureName: string): string {
  return join(FIXTURE_DIR, fixtureName);
}

export async function listFixtures(): Promise<string[]> {
  return (await readdir(FIXTURE_DIR)).filter((f) => f.endsWith('.jar')).sort();
}

export async function readFixtureEntries(fixtureName: string): Promise<ZipEntryData[]> {
  const path = fixturePath(fixtureName);
  return readZipEntries(await readFile(path), path);
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

function findEocd(buf: Buffer, label: string): number {
  const stop = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= stop; i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) return i;
  }
  throw new Error(`${label}: not a zip (no end of central directory record)`);
}

/**
 * Reads a small, well-formed test zip (no zip64, no encryption). Tolerates bytes in front of
 * the zip by measuring the shift between where the directory says it is and where it is.
 * Directory entries are skipped.
 */
export function readZipEntries(buf: Buffer, label = 'zip'): ZipEntryData[] {
  const eocd = findEocd(buf, label);
  const count = buf.readUInt16LE(eocd + 10);
  const cenSize = buf.readUInt32LE(eocd + 12);
  const shift = eocd - cenSize - buf.readUInt32LE(eocd + 16);
  let p = eocd - cenSize;
  const out: ZipEntryData[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== CEN_SIG) throw new Error(`${label}: bad central header at ${p}`);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const skip = nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42) + shift;
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + skip;
    if (name.endsWith('/')) continue;
    out.push({
      name,
      data: entryData(buf, local, csize, method, `${label}!/${name}`),
      store: method === 0,
    });
  }
  return out;
}

function entryData(
  buf: Buffer,
  local: number,
  csize: number,
  method: number,
  label: string,
): Buffer {
  if (buf.readUInt32LE(local) !== LOC_SIG)
    throw new Error(`${label}: bad local header at ${local}`);
  const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  const raw = buf.subarray(start, start + csize);
  if (method === 0) return Buffer.from(raw);
  if (method === 8) return inflateRawSync(raw);
  throw new Error(`${label}: unsupported compression method ${method}`);
}

export function relocate(
  entries: readonly ZipEntryData[],
  fromPrefix: string,
  toPrefix: string,
): ZipEntryData[] {
  return entries.map((e) =>
    e.name.startsWith(fromPrefix) ? { ...e, name: toPrefix + e.name.slice(fromPrefix.length) } : e,
  );
}

export function renameExt(
  entries: readonly ZipEntryData[],
  fromExt: string,
  toExt: string,
): ZipEntryData[] {
  return entries.map((e) =>
    e.name.endsWith(fromExt) ? { ...e, name: e.name.slice(0, -fromExt.length) + toExt } : e,
  );
}

export function without(
  entries: readonly ZipEntryData[],
  predicate: (e: ZipEntryData) => boolean,
): ZipEntryData[] {
  return entries.filter((e) => !predicate(e));
}

/** An in-memory archive: its entry names and a reader (the detector's EntryReader shape). */
export function inMemoryArchive(entries: readonly ZipEntryData[]): {
  names: string[];
  reader: { read(name: string): Buffer | undefined };
} {
  const map = new Map(entries.map((e) => [e.name, e.data]));
  return { names: [...map.keys()], reader: { read: (n) => map.get(n) } };
}

/** Entries with `name` replaced by (or added with) the given content. */
export function setEntry(
  entries: readonly ZipEntryData[],
  name: string,
  data: string | Buffer,
): ZipEntryData[] {
  return [
    ...entries.filter((e) => e.name !== name),
    { name, data: typeof data === 'string' ? Buffer.from(data) : data },
  ];
}

/**
 * Rewrites one CONSTANT_Utf8 entry (tag 1, u2 length, bytes) of a class file, e.g. to make a
 * patched class: constant pool entries are not addressed by byte offset, so the class stays
 * well-formed when the length changes.
 */
export function replaceUtf8Constant(data: Buffer, from: string, to: string): Buffer {
  const header = (s: string): Buffer => Buffer.from([1, s.length >> 8, s.length & 0xff]);
  const needle = Buffer.concat([header(from), Buffer.from(from)]);
  const at = data.indexOf(needle);
  if (at < 0) throw new Error(`class constant "${from}" not found`);
  return Buffer.concat([
    data.subarray(0, at),
    header(to),
    Buffer.from(to),
    data.subarray(at + needle.length),
  ]);
}
