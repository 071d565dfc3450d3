import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  BufferSource,
  DEFAULT_LIMITS,
  InflateBudget,
  readEntryBytes,
  ZipArchive,
} from '@log4fleet/scanner';
import { ZipFile } from 'yazl';

/** Real, whole Apache Log4j 2.14.1 jars (they must run in a JVM). */
export const FIXTURES = path.join(__dirname, '..', 'fixtures');
/** The scanner's slim copies of the other releases (detection classes with original bytes). */
export const SLIM = path.join(__dirname, '..', '..', '..', 'scanner', 'test', 'fixtures', 'corpus');

export const CORE_2_14_1 = (): Buffer => readFileSync(path.join(FIXTURES, 'log4j-core-2.14.1.jar'));
export const API_2_14_1 = (): Buffer => readFileSync(path.join(FIXTURES, 'log4j-api-2.14.1.jar'));
export const slim = (name: string): Buffer => readFileSync(path.join(SLIM, name));

export const JNDI_LOOKUP = 'org/apache/logging/log4j/core/lookup/JndiLookup.class';
const MTIME = new Date('2021-12-10T12:00:00Z');

export interface ZipItem {
  name: string;
  data: Buffer | string;
  /** Default true (deflated); false stores it. */
  compress?: boolean;
}

/** A zip made with yazl (which, like many real tools, writes data descriptors). */
export function zipOf(items: readonly ZipItem[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const it of items) {
    const data = typeof it.data === 'string' ? Buffer.from(it.data) : it.data;
    if (it.name.endsWith('/')) zip.addEmptyDirectory(it.name, { mtime: MTIME });
    else zip.addBuffer(data, it.name, { compress: it.compress ?? true, mtime: MTIME });
  }
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    zip.end();
  });
}

export interface RawEntry {
  name: string;
  method: number;
  data: Buffer;
  /** The compressed bytes exactly as stored. */
  raw: Buffer;
}

/** Every entry of a zip (duplicates included), inflated and raw. */
export function entriesOf(zipBytes: Buffer): RawEntry[] {
  const zip = ZipArchive.open(new BufferSource(zipBytes), 1_000_000);
  const budget = new InflateBudget(DEFAULT_LIMITS.maxTotalInflatedBytes);
  const out: RawEntry[] = [];
  for (let i = 0; i < zip.count; i++) {
    const e = zip.entry(i);
    const start = zip.dataOffset(e);
    out.push({
      name: e.name,
      method: e.method,
      data: readEntryBytes(zip, e, DEFAULT_LIMITS, budget),
      raw: zipBytes.subarray(start, start + e.compressedSize),
    });
  }
  return out;
}

export function entryOf(zipBytes: Buffer, name: string): RawEntry {
  const e = entriesOf(zipBytes).find((x) => x.name === name);
  if (!e) throw new Error(`no entry ${name}`);
  return e;
}

/** The entries of a jar moved under another package prefix (a shaded copy). */
export function relocate(jar: Buffer, prefix: string): ZipItem[] {
  return entriesOf(jar)
    .filter((e) => e.name.startsWith('org/apache/logging/log4j/') && !e.name.endsWith('/'))
    .map((e) => ({ name: prefix + e.name, data: e.data }));
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256Of(file: string): string {
  return sha256(readFileSync(file));
}

/** `unzip -t`: exit status 0 means every entry's CRC checked out. */
export function unzipTest(file: string): { code: number; output: string } {
  try {
    const output = execFileSync('unzip', ['-t', file], { encoding: 'utf8', timeout: 60_000 });
    return { code: 0, output };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
