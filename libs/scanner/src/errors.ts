import type { ScanErrorCode } from './types';

/** A problem with one file or entry: becomes a ScanError record, never stops the scan. */
export class ScanProblem extends Error {
  constructor(
    readonly code: ScanErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ScanProblem';
  }
}

interface ErrnoLike {
  code?: unknown;
  message?: unknown;
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as ErrnoLike).code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps an fs error (EACCES, EIO, ...) to a ScanProblem; `action` says what failed, e.g. "open". */
export function problemFromError(err: unknown, action: string): ScanProblem {
  if (err instanceof ScanProblem) return err;
  const code = errnoCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'EACCES' || code === 'EPERM') {
    return new ScanProblem('permission-denied', `Permission denied (${action}).`);
  }
  if (code === 'ELOOP')
    return new ScanProblem('symlink-loop', `Too many levels of symbolic links (${action}).`);
  if (code !== undefined) return new ScanProblem('io-error', `Cannot ${action}: ${detail}.`);
  return new ScanProblem('internal', `Unexpected failure during ${action}: ${detail}.`);
}
