import { closeSync, fstatSync, openSync } from 'node:fs';
import {
  BufferSource,
  checkEntry,
  FdSource,
  InflateBudget,
  METHOD_STORED,
  readEntryBytes,
  ScanProblem,
  type RandomAccessSource,
  type ScanLimits,
  spillEntry,
  storedEntrySource,
  ZipArchive,
} from '@log4fleet/scanner';
import type { TempFiles } from './temp-files';

/**
 * Opens the archive at `chain` (chain[0] a file on disk, then entry names of nested
 * archives, the first entry of each name) and hands `fn` every archive on the way, outer
 * first, while their sources are open.
 */
export function withArchivesAlong<T>(
  file: string,
  chain: readonly string[],
  limits: ScanLimits,
  temp: TempFiles,
  fn: (zips: ZipArchive[]) => T,
): T {
  const fd = openSync(file, 'r');
  try {
    const budget = new InflateBudget(limits.maxTotalInflatedBytes);
    const source = new FdSource(fd, fstatSync(fd).size);
    return descend(source, chain.slice(1), [], limits, budget, temp, fn);
  } finally {
    closeSync(fd);
  }
}

function descend<T>(
  source: RandomAccessSource,
  rest: readonly string[],
  zips: ZipArchive[],
  limits: ScanLimits,
  budget: InflateBudget,
  temp: TempFiles,
  fn: (zips: ZipArchive[]) => T,
): T {
  const zip = ZipArchive.open(source, limits.maxEntries);
  const along = [...zips, zip];
  if (rest.length === 0) return fn(along);
  const [name, ...deeper] = rest;
  const i = indexOf(zip, name);
  if (i < 0) throw new ScanProblem('corrupt-archive', `Nested archive ${name} is not there.`);
  const entry = zip.entry(i);
  checkEntry(entry, limits, true);
  const next = (src: RandomAccessSource): T =>
    descend(src, deeper, along, limits, budget, temp, fn);
  if (entry.method === METHOD_STORED) return next(storedEntrySource(zip, entry));
  if (entry.uncompressedSize <= limits.maxNestedBytes) {
    return next(new BufferSource(readEntryBytes(zip, entry, limits, budget)));
  }
  const tmp = temp.next('.inflated');
  try {
    spillEntry(zip, entry, limits, budget, tmp);
    const nfd = openSync(tmp, 'r');
    try {
      return next(new FdSource(nfd, entry.uncompressedSize));
    } finally {
      closeSync(nfd);
    }
  } finally {
    temp.remove(tmp);
  }
}

export function indexOf(zip: ZipArchive, name: string): number {
  for (let i = 0; i < zip.count; i++) if (zip.name(i) === name) return i;
  return -1;
}

/** Every entry name of an archive (duplicates included). */
export function namesOf(zip: ZipArchive): string[] {
  const names: string[] = [];
  for (let i = 0; i < zip.count; i++) names.push(zip.name(i));
  return names;
}
