import os from 'node:os';
import type { ScanCommand } from '@log4fleet/contracts';
import { DEFAULT_LIMITS, type ScanOptions } from '@log4fleet/scanner';

/** The deepest archive nesting a command may ask for (the controller's own maximum). */
export const MAX_SCAN_DEPTH = 64;
/** commands.proto: at most 64 paths and 256 exclude patterns per scan. */
export const MAX_SCAN_PATHS = 64;
export const MAX_SCAN_EXCLUDES = 256;
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
  over('max_depth', command.maxDepth, MAX_SCAN_DEPTH, 'nesting levels');
  over(
    'max_nested_bytes',
    command.maxNestedBytes,
    DEFAULT_LIMITS.maxEntryBytes,
    'no archive entry is inflated beyond this',
  );
  over('paths', command.paths.length, MAX_SCAN_PATHS, 'entries');
  over('exclude', command.exclude.length, MAX_SCAN_EXCLUDES, 'entries');
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
