import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { ScanProblem } from '../errors';
import {
  BufferSource,
  checkEntry,
  FdSource,
  isLog4jRelatedName,
  isManifestName,
  METHOD_STORED,
  nestedHint,
  peekEntry,
  readEntryBytes,
  spillEntry,
  storedEntrySource,
  ZipArchive,
  type NestedHint,
  type RandomAccessSource,
  type ZipEntry,
} from '../zip';
import type { EntryReader } from '../detect';
import { stripClassExt } from '../detect/entry-reader';
import type { ScanContext } from './scan.context';

/** Smallest possible zip: an empty archive's end-of-central-directory record. */
export const MIN_ZIP_BYTES = 22;

/** PK\3\4 (local header), PK\5\6 (empty archive), PK\7\8 (spanned-archive marker). */
export function hasZipMagic(head: Buffer): boolean {
  if (head.length < 4 || head[0] !== 0x50 || head[1] !== 0x4b) return false;
  const a = head[2];
  const b = head[3];
  return (a === 3 && b === 4) || (a === 5 && b === 6) || (a === 7 && b === 8);
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * Lists one archive, runs the detector on the names that matter, and recurses into every
 * entry that is a zip. Every problem becomes an error record; nothing throws out of here.
 * `quiet` (a file not named like an archive that only looks like one at its end) drops
 * the "cannot open" error: such a file is simply not an archive.
 */
export function scanArchive(
  ctx: ScanContext,
  source: RandomAccessSource,
  chain: readonly string[],
  depth: number,
  quiet = false,
): void {
  let zip: ZipArchive;
  try {
    zip = ZipArchive.open(source, ctx.limits.maxEntries);
  } catch (err) {
    if (!quiet) ctx.addProblem(chain, err, 'read the archive');
    return;
  }
  ctx.archives++;
  const { names, index, relevant, nested } = selectEntries(zip);
  if (relevant) detectIn(ctx, zip, names, index, chain);
  for (const [i, hint] of nested) {
    if (ctx.stopped) return;
    scanNestedEntry(ctx, zip, i, hint, chain, depth);
  }
}

interface Selection {
  names: string[];
  index: Map<string, number>;
  relevant: boolean;
  nested: Array<[number, NestedHint]>;
}

function selectEntries(zip: ZipArchive): Selection {
  const cd = zip.cd;
  const sel: Selection = { names: [], index: new Map(), relevant: false, nested: [] };
  for (let i = 0; i < zip.count; i++) {
    const s = zip.nameStart(i);
    const e = zip.nameEnd(i);
    const related = isLog4jRelatedName(cd, s, e);
    if (related || isManifestName(cd, s, e)) {
      sel.relevant ||= related;
      const name = zip.name(i);
      if (!sel.index.has(name)) {
        sel.index.set(name, i);
        sel.names.push(name);
      }
    }
    if (zip.rawUncompressedSize(i) < MIN_ZIP_BYTES) continue;
    const hint = nestedHint(cd, s, e);
    if (hint !== 'no') sel.nested.push([i, hint]);
  }
  return sel;
}

function detectIn(
  ctx: ScanContext,
  zip: ZipArchive,
  names: string[],
  index: Map<string, number>,
  chain: readonly string[],
): void {
  const failed = new Map<string, unknown>();
  const reader: EntryReader = {
    read(name: string): Buffer | undefined {
      const i = index.get(name);
      if (i === undefined) return undefined;
      // The detector may ask twice for an entry that cannot be read: record it once.
      if (failed.has(name)) throw failed.get(name);
      try {
        return readEntryBytes(zip, zip.entry(i), ctx.limits, ctx.budget);
      } catch (err) {
        failed.set(name, err);
        ctx.addProblem([...chain, name], err, `read entry ${name}`);
        throw err;
      }
    },
  };
  try {
    ctx.addFindings(
      chain,
      ctx.detect(names, reader, { fileName: baseName(chain[chain.length - 1]) }),
    );
  } catch (err) {
    // A ScanProblem came from our reader and is already recorded.
    if (err instanceof ScanProblem) return;
    const msg = err instanceof Error ? err.message : String(err);
    ctx.addError(chain, 'internal', `The log4j detector failed on this archive: ${msg}.`);
    return;
  }
  reportUninspectedClasses(ctx, zip, names, index, failed, chain);
}

/**
 * A log4j class too large to read is a copy nobody looked at, whether or not the detector
 * needed it (a lone 4 GiB JndiLookup.class made no finding and no error): it is an error
 * record, so the scan says it is incomplete instead of clean.
 */
function reportUninspectedClasses(
  ctx: ScanContext,
  zip: ZipArchive,
  names: readonly string[],
  index: ReadonlyMap<string, number>,
  failed: ReadonlyMap<string, unknown>,
  chain: readonly string[],
): void {
  for (const name of names) {
    if (failed.has(name) || stripClassExt(name) === undefined) continue;
    const i = index.get(name);
    if (i === undefined || zip.rawUncompressedSize(i) <= ctx.limits.maxEntryBytes) continue;
    const size = zip.entry(i).uncompressedSize;
    if (size <= ctx.limits.maxEntryBytes) continue;
    ctx.addError(
      [...chain, name],
      'too-large',
      `Log4j class ${name} declares ${size} bytes, over the limit of ${ctx.limits.maxEntryBytes}: not inspected, so the log4j copy it belongs to cannot be judged.`,
    );
  }
}

function scanNestedEntry(
  ctx: ScanContext,
  zip: ZipArchive,
  i: number,
  hint: NestedHint,
  chain: readonly string[],
  depth: number,
): void {
  const childChain = [...chain, zip.name(i)];
  try {
    const entry = zip.entry(i);
    if (hint === 'archive') checkEntry(entry, ctx.limits, true);
    // Not a zip (a rar, a text file named .jar): nothing to open, and not an error.
    if (!hasZipMagic(peekEntry(zip, entry, 4))) return;
    if (depth + 1 > ctx.limits.maxDepth) {
      ctx.addError(
        childChain,
        'too-deep',
        `Archive nested ${depth + 1} levels deep, beyond the limit of ${ctx.limits.maxDepth}; not opened.`,
      );
      return;
    }
    withEntrySource(ctx, zip, entry, (src) => scanArchive(ctx, src, childChain, depth + 1));
  } catch (err) {
    ctx.addProblem(childChain, err, 'read the nested archive');
  }
}

let spillSeq = 0;

/** Temp files of one thread start with this, so a crashed worker's files can be removed. */
export function spillPrefix(pid: number, thread: number): string {
  return `log4fleet-spill-${pid}-${thread}-`;
}

function spillPath(): string {
  const unique = `${++spillSeq}-${randomBytes(4).toString('hex')}`;
  return join(tmpdir(), `${spillPrefix(process.pid, threadId)}${unique}.zip`);
}

/** Removes the temp files a thread left behind (it crashed or was terminated mid-spill). */
export function removeSpills(pid: number, thread: number): void {
  const prefix = spillPrefix(pid, thread);
  try {
    for (const name of readdirSync(tmpdir())) {
      if (name.startsWith(prefix)) rmSync(join(tmpdir(), name), { force: true });
    }
  } catch {
    // best effort: a temp dir we cannot list holds nothing of ours we could remove
  }
}

/**
 * Gives a nested archive a source: stored ones in place (no copy), small deflated ones
 * inflated into memory, big ones inflated into a temp file that is always removed.
 */
function withEntrySource(
  ctx: ScanContext,
  zip: ZipArchive,
  entry: ZipEntry,
  fn: (src: RandomAccessSource) => void,
): void {
  checkEntry(entry, ctx.limits, true);
  if (entry.method === METHOD_STORED) {
    fn(storedEntrySource(zip, entry));
    return;
  }
  if (entry.uncompressedSize <= ctx.limits.maxNestedBytes) {
    fn(new BufferSource(readEntryBytes(zip, entry, ctx.limits, ctx.budget)));
    return;
  }
  const tmp = spillPath();
  try {
    spillEntry(zip, entry, ctx.limits, ctx.budget, tmp);
    const fd = openSync(tmp, 'r');
    try {
      fn(new FdSource(fd, entry.uncompressedSize));
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}
