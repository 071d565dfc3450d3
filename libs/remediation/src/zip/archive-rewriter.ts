/**
 * Rewrites one zip without the entries a plan removes, and nothing else:
 * - every unchanged entry is copied as raw bytes, from its local header up to the next
 *   entry's (data, data descriptor and whatever else lies there), never recompressed;
 * - bytes in front of the archive (a launch script) and after its end record are copied;
 * - central directory records are copied and only their offsets patched, so duplicates,
 *   extra fields, comments, flags and timestamps survive;
 * - a nested archive the plan descends into is rewritten the same way and put back with
 *   its own compression method (a stored BOOT-INF/lib jar stays stored) and fresh CRC/sizes.
 * Memory stays bounded: stored nested archives are read in place, deflated ones up to
 * `maxNestedBytes` in memory, bigger ones through temp files.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  BufferSource,
  checkEntry,
  FdSource,
  type InflateBudget,
  METHOD_DEFLATED,
  METHOD_STORED,
  readEntryBytes,
  ScanProblem,
  type RandomAccessSource,
  type ScanLimits,
  spillEntry,
  storedEntrySource,
  ZipArchive,
  type ZipEntry,
} from '@log4fleet/scanner';
import { crc32, deflateRawSync } from 'node:zlib';
import { stripManifestDigests } from '../manifest-digests';
import type { ArchivePlan } from '../plan/archive-plan';
import { ChunkedDeflate } from './deflate-chunks';
import { OutputFile } from './output-file';
import {
  LOCAL_HEADER_BYTES,
  type NewData,
  patchCentralRecord,
  patchEndRecords,
  patchLocalHeader,
  SIG_LOCAL,
  SIG_ZIP64_EOCD,
  SIG_ZIP64_LOCATOR,
} from './records';
import type { TempFiles } from './temp-files';

/** The end records and a comment fit in 64 KB; more after the directory is not a zip we rewrite. */
const MAX_TAIL_BYTES = 16 * 1024 * 1024;
const MANIFEST = 'META-INF/MANIFEST.MF';

export interface RewriteContext {
  limits: ScanLimits;
  budget: InflateBudget;
  temp: TempFiles;
  /** Chain paths ("outer.jar!/inner.jar!/org/.../JndiLookup.class") of the entries dropped. */
  removed: string[];
  /** Chain paths of the manifests whose per-entry digests were dropped. */
  manifestsRewritten: string[];
}

type Action = 'copy' | 'drop' | 'nested' | 'manifest';

/** A signature file of the jar spec: META-INF/*.SF and its block (.RSA/.DSA/.EC, or SIG-*). */
export function isSignatureFile(name: string): boolean {
  if (!name.startsWith('META-INF/') || name.indexOf('/', 9) >= 0) return false;
  const base = name.slice(9).toUpperCase();
  return /\.(SF|RSA|DSA|EC)$/.test(base) || base.startsWith('SIG-');
}

function actionFor(name: string, plan: ArchivePlan): Action {
  if (plan.remove.has(name)) return 'drop';
  if (plan.stripSignatures && isSignatureFile(name)) return 'drop';
  if (plan.nested.has(name)) return 'nested';
  if (plan.stripSignatures && name.toUpperCase() === MANIFEST) return 'manifest';
  return 'copy';
}

interface Slot {
  /** Absolute offset of the local header in the source. */
  at: number;
  /** Where the raw span ends: the next local header, or the central directory. */
  end: number;
  action: Action;
  /** Index of the first record using this local header. */
  first: number;
  newOffset?: number;
  data?: NewData;
}

const join = (chain: readonly string[], name: string): string => [...chain, name].join('!/');

/** Rewrites the archive in `source` into `out` following `plan`. */
export function rewriteArchive(
  source: RandomAccessSource,
  plan: ArchivePlan,
  out: OutputFile,
  ctx: RewriteContext,
  chain: readonly string[],
): void {
  const zip = ZipArchive.open(source, ctx.limits.maxEntries);
  const slots = planSlots(zip, plan);
  const ordered = [...slots.values()].sort((a, b) => a.at - b.at);
  const start = out.pos;
  out.copyFrom(source, 0, ordered[0]?.at ?? zip.cdStart);
  for (const slot of ordered) {
    if (slot.action === 'drop') continue;
    slot.newOffset = out.pos - start - zip.shift;
    const entry = zip.entry(slot.first);
    if (slot.action === 'copy') out.copyFrom(source, slot.at, slot.end - slot.at);
    else if (slot.action === 'nested') writeNested(zip, entry, plan, out, ctx, chain, slot);
    else writeManifest(zip, entry, out, ctx, chain, slot);
  }
  for (const slot of ordered) {
    if (slot.action === 'drop') ctx.removed.push(join(chain, zip.name(slot.first)));
  }
  const cdStart = out.pos - start;
  let entries = 0;
  for (let i = 0; i < zip.count; i++) {
    const slot = slots.get(zip.entry(i).localHeaderOffset);
    if (!slot || slot.newOffset === undefined) continue;
    const [a, b] = zip.recordRange(i);
    out.write(patchCentralRecord(zip.cd.subarray(a, b), slot.newOffset, slot.data, zip.name(i)));
    entries++;
  }
  const cdSize = out.pos - start - cdStart;
  writeEnd(zip, source, out, { entries, cdSize, cdOffset: cdStart - zip.shift });
}

function planSlots(zip: ZipArchive, plan: ArchivePlan): Map<number, Slot> {
  const slots = new Map<number, Slot>();
  for (let i = 0; i < zip.count; i++) {
    const entry = zip.entry(i);
    const at = entry.localHeaderOffset;
    if (at < 0 || at >= zip.cdStart) {
      throw new ScanProblem(
        'corrupt-archive',
        `Entry ${entry.name} has its local header at ${at}, outside the entry data.`,
      );
    }
    const action = actionFor(entry.name, plan);
    const slot = slots.get(at);
    // Two records sharing one local header: the bytes go only when every record goes.
    if (slot) {
      if (slot.action === 'drop' && action !== 'drop') slot.action = 'copy';
      continue;
    }
    slots.set(at, { at, end: zip.cdStart, action, first: i });
  }
  const offsets = [...slots.keys()].sort((a, b) => a - b);
  for (let k = 0; k + 1 < offsets.length; k++) {
    const slot = slots.get(offsets[k]);
    if (slot) slot.end = offsets[k + 1];
  }
  return slots;
}

function readLocalHeader(zip: ZipArchive, entry: ZipEntry): Buffer {
  const fixed = zip.source.read(entry.localHeaderOffset, LOCAL_HEADER_BYTES);
  if (fixed.length < LOCAL_HEADER_BYTES || fixed.readUInt32LE(0) !== SIG_LOCAL) {
    throw new ScanProblem('corrupt-archive', `Entry ${entry.name} has no local header.`);
  }
  const len = LOCAL_HEADER_BYTES + fixed.readUInt16LE(26) + fixed.readUInt16LE(28);
  return zip.source.read(entry.localHeaderOffset, len);
}

/** Gives the nested archive in `entry` a source, like the scanner does, and cleans up after. */
function withNestedSource<T>(
  zip: ZipArchive,
  entry: ZipEntry,
  ctx: RewriteContext,
  fn: (src: RandomAccessSource) => T,
): T {
  checkEntry(entry, ctx.limits, true);
  if (entry.method === METHOD_STORED) return fn(storedEntrySource(zip, entry));
  if (entry.uncompressedSize <= ctx.limits.maxNestedBytes) {
    return fn(new BufferSource(readEntryBytes(zip, entry, ctx.limits, ctx.budget)));
  }
  const tmp = ctx.temp.next('.inflated');
  try {
    spillEntry(zip, entry, ctx.limits, ctx.budget, tmp);
    const fd = openSync(tmp, 'r');
    try {
      return fn(new FdSource(fd, entry.uncompressedSize));
    } finally {
      closeSync(fd);
    }
  } finally {
    ctx.temp.remove(tmp);
  }
}

function writeNested(
  zip: ZipArchive,
  entry: ZipEntry,
  plan: ArchivePlan,
  out: OutputFile,
  ctx: RewriteContext,
  chain: readonly string[],
  slot: Slot,
): void {
  const childPlan = plan.nested.get(entry.name);
  if (!childPlan) throw new Error(`no plan for nested ${entry.name}`);
  const inner = ctx.temp.next('.zip');
  const packed = ctx.temp.next('.deflated');
  try {
    const w = OutputFile.create(inner, 0o600, true);
    try {
      withNestedSource(zip, entry, ctx, (src) =>
        rewriteArchive(src, childPlan, w, ctx, [...chain, entry.name]),
      );
    } finally {
      w.finish(false);
    }
    const data: NewData = { crc: w.crc, uncompressedSize: w.pos, compressedSize: w.pos };
    let payload = inner;
    if (entry.method === METHOD_DEFLATED) {
      data.compressedSize = deflateFile(inner, packed);
      payload = packed;
    }
    slot.data = data;
    out.write(patchLocalHeader(readLocalHeader(zip, entry), data, entry.name));
    copyFile(payload, out);
  } finally {
    ctx.temp.remove(inner);
    ctx.temp.remove(packed);
  }
}

/** The manifest of a jar whose signature goes: per-entry digests out, same compression. */
function writeManifest(
  zip: ZipArchive,
  entry: ZipEntry,
  out: OutputFile,
  ctx: RewriteContext,
  chain: readonly string[],
  slot: Slot,
): void {
  const text = readEntryBytes(zip, entry, ctx.limits, ctx.budget);
  const stripped = stripManifestDigests(text);
  const body = entry.method === METHOD_DEFLATED ? deflateRawSync(stripped) : stripped;
  const data: NewData = {
    crc: crc32(stripped),
    uncompressedSize: stripped.length,
    compressedSize: body.length,
  };
  slot.data = data;
  out.write(patchLocalHeader(readLocalHeader(zip, entry), data, entry.name));
  out.write(body);
  ctx.manifestsRewritten.push(join(chain, entry.name));
}

/** Deflates `from` into `to` 1 MB at a time (memory stays bounded). */
function deflateFile(from: string, to: string): number {
  const w = OutputFile.create(to, 0o600);
  try {
    const deflater = new ChunkedDeflate((chunk) => w.write(chunk), 6);
    const fd = openSync(from, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.allocUnsafe(1024 * 1024);
      let pos = 0;
      if (size === 0) deflater.push(new Uint8Array(0), true);
      while (pos < size) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n === 0) throw new Error(`${from} ended early`);
        pos += n;
        deflater.push(buf.subarray(0, n), pos >= size);
      }
    } finally {
      closeSync(fd);
    }
    return w.pos;
  } finally {
    w.finish(false);
  }
}

function copyFile(file: string, out: OutputFile): void {
  const fd = openSync(file, 'r');
  try {
    out.copyFrom(new FdSource(fd, fstatSync(fd).size), 0, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

function writeEnd(
  zip: ZipArchive,
  source: RandomAccessSource,
  out: OutputFile,
  v: { entries: number; cdSize: number; cdOffset: number },
): void {
  const tailLength = source.size - zip.cdEnd;
  if (tailLength > MAX_TAIL_BYTES) {
    throw new ScanProblem(
      'unsupported',
      `${tailLength} bytes follow the central directory: not rewritten.`,
    );
  }
  const tail = source.read(zip.cdEnd, tailLength);
  const eocdAt = findEocd(tail);
  out.write(patchEndRecords(tail, eocdAt, { ...v, zip64EndOffset: v.cdOffset + v.cdSize }));
}

/** The end record's place in the tail: after the zip64 end record and locator, if any. */
function findEocd(tail: Buffer): number {
  let p = 0;
  if (tail.length >= 56 && tail.readUInt32LE(0) === SIG_ZIP64_EOCD) {
    p = 12 + Number(tail.readBigUInt64LE(4));
  }
  if (p + 20 <= tail.length && tail.readUInt32LE(p) === SIG_ZIP64_LOCATOR) p += 20;
  for (let i = p; i + 22 <= tail.length; i++) {
    if (tail.readUInt32LE(i) === 0x06054b50) return i;
  }
  throw new ScanProblem(
    'corrupt-archive',
    'No end-of-central-directory record after the directory.',
  );
}
