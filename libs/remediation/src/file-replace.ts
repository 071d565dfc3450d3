/**
 * Putting a new file in place of an old one without ever truncating the old one: the new
 * bytes go to a temp file in the same directory (same filesystem, so rename is atomic), get
 * the old file's owner, group, mode and times, reach the disk, and are renamed over it. A
 * process that has the old file open or mapped keeps its intact copy.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  utimesSync,
} from 'node:fs';
import path from 'node:path';

export interface FileMeta {
  mode: number;
  uid: number;
  gid: number;
  atimeMs: number;
  mtimeMs: number;
}

/** A hidden name that no class loader or auto-deployer takes for a jar. */
export function tempBeside(target: string): string {
  return path.join(path.dirname(target), `.log4fleet-${randomBytes(6).toString('hex')}.tmp`);
}

/** Owner first: chown clears set-id bits, the mode put after it restores them. */
export function applyMeta(file: string, meta: FileMeta): void {
  if (process.getuid?.() === 0 || meta.uid === process.getuid?.()) {
    chownSync(file, meta.uid, meta.gid);
  } else {
    throw new Error(
      `cannot give ${file} its owner ${meta.uid}:${meta.gid} without root: nothing replaced`,
    );
  }
  chmodSync(file, meta.mode & 0o7777);
  utimesSync(file, meta.atimeMs / 1000, meta.mtimeMs / 1000);
}

/** Renames `tmp` over `target` and makes the rename durable (fsync of the directory). */
export function publish(tmp: string, target: string): void {
  renameSync(tmp, target);
  const dir = openSync(path.dirname(target), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

export function discard(tmp: string): void {
  rmSync(tmp, { force: true });
}
