/**
 * Remediation of log4j copies on one host, without a framework: `fixFiles` removes
 * JndiLookup (and, when asked, the log4j 1.x CVE classes) from every vulnerable copy in
 * each file, keeping a backup; `restoreFiles` puts the originals back byte for byte.
 */
import { checkOperationId, newOperationId } from './backup-store';
import { fixFile } from './fix-file';
import { restoreFile } from './restore-file';
import type { FixOptions, FixResult, RestoreOptions, RestoreResult } from './types';

export * from './types';
export { fixFile } from './fix-file';
export { restoreFile } from './restore-file';
export { findHolders } from './holders';
export { stripManifestDigests } from './manifest-digests';
export {
  newOperationId,
  operationDir,
  sha256File,
  readManifest,
  type BackupManifest,
  type BackupEntry,
} from './backup-store';

export interface FixRun {
  operationId: string;
  results: FixResult[];
}

/** Fixes each path in turn, all under one operation id (one backup folder). */
export function fixFiles(paths: readonly string[], opts: FixOptions): FixRun {
  const operationId = checkOperationId(opts.operationId ?? newOperationId());
  return { operationId, results: paths.map((p) => fixFile(p, opts, operationId)) };
}

export function restoreFiles(paths: readonly string[], opts: RestoreOptions): RestoreResult[] {
  return paths.map((p) => restoreFile(p, opts));
}
