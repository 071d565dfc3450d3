/**
 * Helpers for the zip and engine tests: zips with the yazl features the shared jar-builder
 * does not expose (zip64, data descriptors), temp dirs, and the worker bundle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { build } from 'esbuild';
import { ZipFile } from 'yazl';

export interface RawEntry {
  name: string;
  data: Buffer;
  /** Stored (method 0) instead of deflated. */
  store?: boolean;
  /** Added as a stream: yazl then writes a data descriptor after the data. */
  stream?: boolean;
}

export async function yazlZip(
  entries: readonly RawEntry[],
  opts: { zip64?: boolean; comment?: string } = {},
): Promise<Buffer> {
  const zip = new ZipFile();
  const mtime = new Date(2021, 11, 10);
  for (const e of entries) {
    const o = { compress: e.store !== true, mtime, forceZip64Format: opts.zip64 === true };
    if (e.stream) zip.addReadStream(Readable.from([e.data]), e.name, o);
    else zip.addBuffer(e.data, e.name, o);
  }
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res, rej) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => res());
    zip.outputStream.on('error', rej);
  });
  zip.end({ forceZip64Format: opts.zip64 === true, comment: opts.comment ?? '' });
  await done;
  return Buffer.concat(chunks);
}

export function makeTempDir(label: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `log4fleet-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const SCANNER_ROOT = resolve(__dirname, '..');
const REPO_ROOT = resolve(SCANNER_ROOT, '../..');

/** Bundles the worker entry the way apps/agent/build.mjs does; returns the .js path. */
export async function buildWorker(outDir: string): Promise<string> {
  const outfile = join(outDir, 'scan-worker.js');
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(SCANNER_ROOT, 'src/worker/scan-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    tsconfig: join(REPO_ROOT, 'tsconfig.base.json'),
    logLevel: 'warning',
  });
  return outfile;
}

/** Bundles a small TypeScript program that can import the scanner's sources. */
export async function buildScript(outDir: string, name: string, source: string): Promise<string> {
  const outfile = join(outDir, `${name}.js`);
  await build({
    absWorkingDir: SCANNER_ROOT,
    stdin: { contents: source, resolveDir: join(SCANNER_ROOT, 'test'), loader: 'ts' },
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    tsconfig: join(REPO_ROOT, 'tsconfig.base.json'),
    logLevel: 'warning',
  });
  return outfile;
}

/** A deterministic PRNG (mulberry32): every run of a fuzz test checks the same inputs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
