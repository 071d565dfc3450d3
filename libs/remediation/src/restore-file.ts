/**
 * Puts the original of a fixed file back, byte for byte, with its owner, mode and times,
 * through the same temp-file-and-rename as the fix. A file that changed since the fix (an
 * upgrade, a redeploy) is not overwritten unless forced.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import {
  expandBackup,
  latestBackup,
  sha256File,
  writeManifest,
  type BackupEntry,
} from './backup-store';
import { describeError } from './errors';
import { applyMeta, discard, publish, tempBeside } from './file-replace';
import type { RestoreOptions, RestoreResult } from './types';
import { OutputFile } from './zip/output-file';

function resolveTarget(given: string): string {
  try {
    return realpathSync(given);
  } catch {
    // The file may be gone (deleted after the fix): restore to where it was.
    return path.resolve(given);
  }
}

export function restoreFile(given: string, opts: RestoreOptions): RestoreResult {
  const target = resolveTarget(given);
  const base = { path: given, target };
  const found = latestBackup(opts.stateDir, target, path.resolve(given), opts.operationId);
  if (!found) {
    return {
      ...base,
      outcome: 'refused',
      message: `no backup of ${target} in ${opts.stateDir}${opts.operationId ? ` for operation ${opts.operationId}` : ''}`,
    };
  }
  const { entry, dir, manifest } = found;
  const withOp = { ...base, operationId: manifest.operationId };
  try {
    const current = existsSync(target) ? sha256File(target) : undefined;
    if (current === entry.sha256) {
      return {
        ...withOp,
        outcome: 'nothing-to-do',
        sha256: current,
        message: 'already the original',
      };
    }
    if (current !== entry.fixedSha256 && !opts.force) {
      const now = current ? `sha256 ${current}` : 'it is gone';
      return {
        ...withOp,
        outcome: 'refused',
        message: `${target} changed since the fix (${now}; the fix left ${entry.fixedSha256 ?? '?'}): pass force to restore anyway`,
      };
    }
    copyInPlace(path.join(dir, entry.backup), target, entry);
    entry.restoredAt = new Date().toISOString();
    writeManifest(dir, manifest);
    return {
      ...withOp,
      outcome: 'restored',
      sha256: entry.sha256,
      message: `original put back from operation ${manifest.operationId}`,
    };
  } catch (err) {
    return {
      ...withOp,
      outcome: 'failed',
      message: `cannot restore ${target}: ${describeError(err)}`,
    };
  }
}

/** The backup expanded into a temp file beside the target, checked, then renamed over it. */
function copyInPlace(backupFile: string, target: string, entry: BackupEntry): void {
  const tmp = tempBeside(target);
  let published = false;
  try {
    const out = OutputFile.create(tmp, 0o600);
    let sha: string;
    try {
      sha = expandBackup(backupFile, (chunk) => out.write(chunk));
    } finally {
      out.finish(true);
    }
    if (sha !== entry.sha256) {
      throw new Error(`backup ${backupFile} is damaged (sha256 ${sha}, expected ${entry.sha256})`);
    }
    applyMeta(tmp, entry);
    publish(tmp, target);
    published = true;
  } finally {
    if (!published) discard(tmp);
  }
}
