import os from 'node:os';
import { SCAN_LIMITS, type ScanCommand } from '@log4fleet/contracts';
import type { ScanOptions } from '@log4fleet/scanner';

/**
 * Worker threads of one scan at most, whatever the host has: each costs about 7 MB of RSS
 * before it reads anything (256 threads: 1.84 GB), and the agent's unit allows 512 MB.
 */
export const MAX_SCAN_THREADS = 8;
/**
 * Nested archives one scan may hold whole in memory at a time, shared by its threads: a
 * thread reads a nested archive into memory only up to this share, larger ones are inflated
 * into a temp file (libs/scanner archive.scanner.ts withEntrySource).
 */
export const NESTED_MEMORY_BYTES = 128 * 1024 * 1024;

/** A limit of the command the agent lowered: what was asked, what is used. */
export interface Clamped {
  field: string;
  asked: number;
  used: number;
}

/** Throws an error naming the field when a scan command asks for what this agent refuses. */
export function checkScanCommand(command: ScanCommand): void {
  const over = (field: string, value: number, max: number, why: string): void => {
    if (value > max)
      throw new Error(
        `scan.${field} ${value} is out of range for this agent: at most ${max} (${why})`,
      );
  };
  over('max_depth', command.maxDepth, SCAN_LIMITS.maxDepth, 'nesting levels');
  over(
    'max_nested_bytes',
    command.maxNestedBytes,
    SCAN_LIMITS.maxNestedBytes,
    'no archive entry is inflated beyond this',
  );
  over('paths', command.paths.length, SCAN_LIMITS.paths, 'entries');
  over('exclude', command.exclude.length, SCAN_LIMITS.excludes, 'entries');
  // A relative root would be resolved against the daemon's working directory: no place the
  // operator named. The controller refuses them too; a command from before it did is refused here.
  const relative = command.paths.find((p) => p.length === 0 || p[0] !== 0x2f);
  if (relative)
    throw new Error(
      `scan.paths ${JSON.stringify(Buffer.from(relative).toString('utf8'))} is relative: paths must be absolute (start with "/")`,
    );
}

/**
 * The engine options within what the agent can afford while it runs as a service: threads
 * bounded by the host's cores (and MAX_SCAN_THREADS), nested archives held in memory bounded
 * by NESTED_MEMORY_BYTES shared among the threads.
 */
export function boundScanOptions(
  options: ScanOptions,
  cores = os.availableParallelism(),
): { options: ScanOptions; clamped: Clamped[] } {
  const clamped: Clamped[] = [];
  const threads = Math.min(options.threads, Math.max(1, Math.min(cores, MAX_SCAN_THREADS)));
  if (threads !== options.threads)
    clamped.push({ field: 'threads', asked: options.threads, used: threads });
  const share = Math.floor(NESTED_MEMORY_BYTES / Math.max(1, threads));
  const maxNestedBytes = Math.min(options.limits.maxNestedBytes, share);
  if (maxNestedBytes !== options.limits.maxNestedBytes) {
    clamped.push({
      field: 'max_nested_bytes',
      asked: options.limits.maxNestedBytes,
      used: maxNestedBytes,
    });
  }
  return {
    options: { ...options, threads, limits: { ...options.limits, maxNestedBytes } },
    clamped,
  };
}
