import type { Dirent, Stats } from 'node:fs';
import path from 'node:path';
import type { ScanErrorCode } from '../types';

// Small pieces of the walker: paths from raw dirent names, entry kinds, dev+ino bookkeeping, errno mapping.

const SLASH = 0x2f;

export interface Located {
  path: string;
  raw?: Buffer;
}

export interface Ancestor {
  key: string;
  parent?: Ancestor;
}

export type SpecialKind = 'directory' | 'symlink' | 'unknown';

export function joinDisplay(parent: string, name: string): string {
  return parent.endsWith('/') ? parent + name : `${parent}/${name}`;
}

function joinRaw(parent: Buffer, name: Buffer): Buffer {
  if (parent[parent.length - 1] === SLASH) return Buffer.concat([parent, name]);
  return Buffer.concat([parent, Buffer.of(SLASH), name]);
}

/** Child of a directory from its raw dirent name: `raw` kept only when decoding is lossy. */
export function childOf(parent: Located, name: Buffer): Located {
  const decoded = name.toString('utf8');
  const lossy = decoded.includes('\uFFFD') && !Buffer.from(decoded, 'utf8').equals(name);
  const display = joinDisplay(parent.path, decoded);
  if (!lossy && !parent.raw) return { path: display };
  return { path: display, raw: joinRaw(parent.raw ?? Buffer.from(parent.path, 'utf8'), name) };
}

/** Whether these bytes decode to UTF-8 and back unchanged (a display string says it all). */
export function isExactUtf8(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

/**
 * A path given to the scan (a root), made absolute against `cwd`. Bytes that are not valid
 * UTF-8 are kept as they are in `raw` (resolved through latin1, which maps each byte to one
 * character, so no byte is lost); valid ones become a plain string.
 */
export function rootOf(root: string | Buffer, cwd = process.cwd()): Located {
  // An empty path names nothing (stat says so); resolving it would scan the working directory.
  if (root.length === 0) return { path: '' };
  if (typeof root === 'string') return { path: path.resolve(cwd, root) };
  if (isExactUtf8(root)) return { path: path.resolve(cwd, root.toString('utf8')) };
  const cwdLatin1 = Buffer.from(cwd, 'utf8').toString('latin1');
  const raw = Buffer.from(path.posix.resolve(cwdLatin1, root.toString('latin1')), 'latin1');
  return { path: raw.toString('utf8'), raw };
}

export function fsPath(item: Located): string | Buffer {
  return item.raw ?? item.path;
}

export function devIno(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

/** dev+ino of every directory entered; numbers in per-device sets (a fraction of string keys' memory). */
export class VisitedDirs {
  private readonly byDev = new Map<number, Set<number>>();

  has(st: Stats): boolean {
    return this.byDev.get(st.dev)?.has(st.ino) ?? false;
  }

  add(st: Stats): void {
    let inodes = this.byDev.get(st.dev);
    if (!inodes) this.byDev.set(st.dev, (inodes = new Set()));
    inodes.add(st.ino);
  }
}

export function isAncestor(chain: Ancestor | undefined, key: string): boolean {
  for (let a = chain; a; a = a.parent) if (a.key === key) return true;
  return false;
}

// Duck-typed: errors from another realm (a vm context, a test runner) fail instanceof Error.
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

export function messageOf(err: unknown): string {
  if (
    typeof err === 'object' &&
    err !== null &&
    'message' in err &&
    typeof err.message === 'string'
  )
    return err.message;
  return String(err);
}

export function scanCodeOf(errno: string | undefined): ScanErrorCode {
  if (errno === 'EACCES' || errno === 'EPERM') return 'permission-denied';
  if (errno === 'ELOOP') return 'symlink-loop';
  return 'io-error';
}

export function specialKind(d: Dirent | Dirent<Buffer>): SpecialKind | 'file' | 'other' {
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'directory';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isFIFO() || d.isSocket() || d.isBlockDevice() || d.isCharacterDevice()) return 'other';
  return 'unknown'; // DT_UNKNOWN: some filesystems do not fill d_type
}

export function kindOfStats(st: Stats): SpecialKind | 'file' | 'other' {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}
