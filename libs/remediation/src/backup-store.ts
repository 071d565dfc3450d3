/**
 * Backups of fixed files, in the agent's state directory, never beside the application (a
 * `.bak` next to a jar is picked up by class loaders and auto-deployers):
 * `<stateDir>/remediation/<operationId>/manifest.json` and `<n>.orig.gz`, the original bytes
 * gzipped. Gzipped, not as they were: a backup of a vulnerable jar is still a vulnerable zip,
 * and the verification rescan of the whole host (scanners recognise zips by their bytes, not
 * their names) would find it and call the fixed host vulnerable.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { Gunzip } from 'fflate';
import { ChunkedDeflate } from './zip/deflate-chunks';

export interface BackupEntry {
  index: number;
  /** The path as given to the fix. */
  path: string;
  /** The real file that was replaced. */
  target: string;
  /** File name of the original's copy inside the operation folder. */
  backup: string;
  sha256: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  atimeMs: number;
  /** sha256 of the file the fix put in place; absent while the fix is under way. */
  fixedSha256?: string;
  fixedAt?: string;
  restoredAt?: string;
}

export interface BackupManifest {
  operationId: string;
  createdAt: string;
  files: BackupEntry[];
}

const OPERATION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const CHUNK = 1024 * 1024;

export function newOperationId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `fix-${stamp}-${randomBytes(4).toString('hex')}`;
}

export function checkOperationId(id: string): string {
  if (!OPERATION_ID.test(id)) {
    throw new Error(
      `operation id ${JSON.stringify(id)} is not a plain name (letters, digits, . _ -, at most 128)`,
    );
  }
  return id;
}

export function remediationDir(stateDir: string): string {
  return path.join(path.resolve(stateDir), 'remediation');
}

export function operationDir(stateDir: string, operationId: string): string {
  return path.join(remediationDir(stateDir), checkOperationId(operationId));
}

/** sha256 of a file, read 1 MB at a time. */
export function sha256File(file: string): string {
  const fd = openSync(file, 'r');
  try {
    return hashFd(fd, undefined);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let w = 0; w < data.length;) w += writeSync(fd, data, w, data.length - w);
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/** sha256 of what `fd` holds; with `gzipTo`, its bytes gzipped into that fd on the way. */
function hashFd(fd: number, gzipTo: number | undefined): string {
  const hash = createHash('sha256');
  // Level 1: a jar's entries are compressed already; the point is not the size.
  const gz = gzipTo === undefined ? undefined : new ChunkedDeflate((c) => writeAll(gzipTo, c), 1);
  if (gzipTo !== undefined) writeAll(gzipTo, GZIP_HEADER);
  const buf = Buffer.allocUnsafe(CHUNK);
  let crc = 0;
  let size = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, size);
    const chunk = buf.subarray(0, n);
    hash.update(chunk);
    crc = crc32(chunk, crc);
    size += n;
    // The read that returns 0 ends the stream: the final block may be empty.
    gz?.push(chunk, n === 0);
    if (n === 0) break;
  }
  if (gzipTo !== undefined) {
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(size % 2 ** 32, 4);
    writeAll(gzipTo, trailer);
  }
  return hash.digest('hex');
}

/** Writes the original bytes of a backup to `sink`; returns their sha256. */
export function expandBackup(file: string, sink: (chunk: Uint8Array) => void): string {
  const hash = createHash('sha256');
  const gunzip = new Gunzip((chunk) => {
    hash.update(chunk);
    sink(chunk);
  });
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let pos = 0; pos < size;) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n === 0) throw new Error(`${file} ended early`);
      pos += n;
      gunzip.push(buf.subarray(0, n), pos >= size);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export function readManifest(dir: string): BackupManifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch {
    return undefined;
  }
}

/** Written whole to a temp file, fsynced and renamed: never half a manifest. */
export function writeManifest(dir: string, manifest: BackupManifest): void {
  const tmp = path.join(dir, `.manifest-${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(manifest, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path.join(dir, 'manifest.json'));
}

/**
 * Copies the open original (`fd`, so the bytes saved are the bytes about to be replaced) into
 * the operation folder and records it; returns the entry with the original's sha256.
 */
export function backupOriginal(
  stateDir: string,
  operationId: string,
  given: string,
  target: string,
  fd: number,
  st: Stats,
): BackupEntry {
  const dir = operationDir(stateDir, operationId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const manifest = readManifest(dir) ?? {
    operationId,
    createdAt: new Date().toISOString(),
    files: [],
  };
  const index = manifest.files.reduce((n, f) => Math.max(n, f.index + 1), 0);
  const backup = `${index}.orig.gz`;
  const out = openSync(path.join(dir, backup), 'wx', 0o600);
  let sha256: string;
  try {
    sha256 = hashFd(fd, out);
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
  const entry: BackupEntry = {
    index,
    path: given,
    target,
    backup,
    sha256,
    size: st.size,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtimeMs: st.mtimeMs,
    atimeMs: st.atimeMs,
  };
  manifest.files.push(entry);
  writeManifest(dir, manifest);
  return entry;
}

/** Records what a fix put in place, or (fixedSha256 undefined) forgets a fix that did not happen. */
export function settleBackup(
  stateDir: string,
  operationId: string,
  index: number,
  fixedSha256: string | undefined,
): void {
  const dir = operationDir(stateDir, operationId);
  const manifest = readManifest(dir);
  const entry = manifest?.files.find((f) => f.index === index);
  if (!manifest || !entry) return;
  if (fixedSha256 === undefined) {
    manifest.files = manifest.files.filter((f) => f !== entry);
    rmSync(path.join(dir, entry.backup), { force: true });
  } else {
    entry.fixedSha256 = fixedSha256;
    entry.fixedAt = new Date().toISOString();
  }
  writeManifest(dir, manifest);
}

export interface FoundBackup {
  dir: string;
  manifest: BackupManifest;
  entry: BackupEntry;
}

/** The latest completed backup of `target` (or of the path as given), newest fix first. */
export function latestBackup(
  stateDir: string,
  target: string,
  given: string,
  operationId?: string,
): FoundBackup | undefined {
  const base = remediationDir(stateDir);
  let ops: string[];
  try {
    ops = operationId ? [checkOperationId(operationId)] : readdirSync(base);
  } catch {
    return undefined;
  }
  let best: FoundBackup | undefined;
  for (const op of ops) {
    const dir = path.join(base, op);
    const manifest = readManifest(dir);
    for (const entry of manifest?.files ?? []) {
      if (!entry.fixedAt || (entry.target !== target && entry.path !== given)) continue;
      if (!best || (best.entry.fixedAt ?? '') < entry.fixedAt)
        best = { dir, manifest: manifest!, entry };
    }
  }
  return best;
}
