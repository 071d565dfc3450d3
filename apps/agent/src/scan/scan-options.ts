import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import {
  checkExcludePatterns,
  DEFAULT_LIMITS,
  defaultScanThreads,
  type ScanOptions,
} from '@log4fleet/scanner';

/** Options of `scan` as commander parses them (after the value parsers below). */
export interface ScanCliOptions {
  json?: boolean;
  sarif?: boolean;
  exclude?: string[];
  includeNetworkFs?: boolean;
  oneFileSystem?: boolean;
  maxDepth?: number;
  maxNestedBytes?: number;
  threads?: number;
  nice?: boolean;
  processes?: boolean;
  /** false with --no-jvms: a full scan leaves running JVMs out. */
  jvms?: boolean;
  progress: boolean;
  output?: string;
  verbose?: boolean;
  explain?: boolean;
}

export type ReportFormat = 'table' | 'jsonl' | 'sarif';

/** Commander value parser for a whole number in [min, max]. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

const SIZE_SUFFIX: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** "64M", "1G", "512k", "1048576", "2MiB": binary multiples; at least 1 byte. */
export function parseByteSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a size such as 65536, 512K, 64M or 1G.');
  const bytes = Math.floor(Number(m[1]) * SIZE_SUFFIX[m[2].toLowerCase()]);
  if (bytes < 1 || !Number.isSafeInteger(bytes))
    throw new InvalidArgumentError('expected a size from 1 byte up.');
  return bytes;
}

export function collectRepeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** --exclude: collects the patterns and refuses, naming it, one the scanner would refuse. */
export function collectExclude(value: string, previous: string[] | undefined): string[] {
  const all = collectRepeatable(value, previous);
  try {
    checkExcludePatterns(all);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
  return all;
}

export function reportFormat(opts: ScanCliOptions): ReportFormat {
  if (opts.json) return 'jsonl';
  if (opts.sarif) return 'sarif';
  return 'table';
}

/** PATH arguments are strings, or bytes when not valid UTF-8 (the engine resolves those). */
export function toScanOptions(
  paths: ReadonlyArray<string | Buffer>,
  opts: ScanCliOptions,
  workerFile: string,
): ScanOptions {
  return {
    paths: (paths.length > 0 ? paths : ['/']).map((p) =>
      typeof p === 'string' ? path.resolve(p) : p,
    ),
    exclude: opts.exclude ?? [],
    includeNetworkFs: opts.includeNetworkFs ?? false,
    oneFileSystem: opts.oneFileSystem ?? false,
    threads: opts.threads ?? defaultScanThreads(),
    nice: opts.nice ?? false,
    limits: {
      ...DEFAULT_LIMITS,
      ...(opts.maxDepth !== undefined ? { maxDepth: opts.maxDepth } : {}),
      ...(opts.maxNestedBytes !== undefined ? { maxNestedBytes: opts.maxNestedBytes } : {}),
    },
    workerFile,
  };
}
