import { existsSync, statSync } from 'node:fs';
import { availableParallelism, getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { problemFromError } from '../errors';
import {
  DEFAULT_LIMITS,
  type Finding,
  type ScanError,
  type ScanOptions,
  type ScanProgress,
  type ScanSink,
  type ScanSummary,
} from '../types';
import { fsPath, rootOf, type Located } from '../walk/entries';
import { checkExcludePatterns, walkBatches } from '../walk/walker';
import { explodedRootOf, scanExplodedRoot } from './exploded.scanner';
import { log } from './scanner.logger';
import { scanFile } from './file.scanner';
import { WorkerPool } from './worker.pool';
import type { WireFile } from './worker.protocol';

const PROGRESS_INTERVAL_MS = 250;
const NICE_PRIORITY = 19;
const MAX_NICE_PAUSE_MS = 200;

/** Test hooks, not part of the public options. */
export interface ScanInternals {
  crashOnPath?: string;
  /** Workers read ahead from the first batch, as they do once the disk is slow (tests). */
  readAheadAlways?: boolean;
}

interface Tally extends ScanProgress {
  vulnerable: number;
  mitigated: number;
  safe: number;
  unknown: number;
}

interface Backend {
  submit(files: WireFile[]): Promise<void>;
  /** Waits for every submitted file. */
  finish(): Promise<void>;
  /** Releases workers; called whatever happened. */
  close(): Promise<void>;
  /** Makes waiting submit/finish calls reject at once. */
  abort(reason: Error): void;
  totals(): { archives: number; bytes: number };
}

function resolveWorkerFile(options: ScanOptions): string | undefined {
  if (options.workerFile) return options.workerFile;
  const beside = join(__dirname, 'scan-worker.js');
  return existsSync(beside) ? beside : undefined;
}

/**
 * Worker threads when none are asked for: one fewer than the cores, because the calling
 * thread walks the directories and is busy too (at least one). On this 2-core machine, shared:
 * 1 worker scanned the bench tree in 3.4 CPU-s, 125 MB, 6.2-12.6 s; 2 workers 3.9 CPU-s,
 * 169 MB, 8.0-11.2 s; the whole root filesystem 179 MB instead of 239 MB.
 */
export function defaultScanThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

function threadCount(options: ScanOptions): number {
  const t = options.threads;
  return Number.isInteger(t) && t >= 0 ? t : defaultScanThreads();
}

/**
 * Scans files and directories: walks the paths, sends files to worker threads in batches,
 * streams findings and errors to the sink as they come, and reports progress at most four
 * times a second. `nice` lowers the CPU priority (nice 19) of the calling thread for the
 * scan's duration and of every worker, and makes each worker (or the calling thread when
 * threads is 0) rest after every batch for as long as the batch took (at most 200 ms), so
 * the scan uses about half of each core it runs on; IO priority is not changed.
 */
export async function scan(
  options: ScanOptions,
  sink: ScanSink,
  internals: ScanInternals = {},
): Promise<ScanSummary> {
  checkExcludePatterns(options.exclude);
  const started = new Date();
  const tally: Tally = {
    files: 0,
    directories: 0,
    archives: 0,
    bytes: 0,
    findings: 0,
    errors: 0,
    vulnerable: 0,
    mitigated: 0,
    safe: 0,
    unknown: 0,
  };
  const onFinding = (f: Finding): void => {
    tally.findings++;
    tally[f.status]++;
    sink.finding(f);
  };
  const onError = (e: ScanError): void => {
    tally.errors++;
    sink.error(e);
  };
  const restorePriority = options.nice ? lowerPriority() : undefined;
  const backend = makeBackend(options, onFinding, onError, internals);
  const progress = startProgress(sink, tally, backend);
  const onAbort = (): void => backend.abort(abortError(options.signal));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    throwIfAborted(options.signal);
    await feed(options, backend, tally, onFinding, onError);
    await backend.finish();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await backend.close();
    progress.stop();
    restorePriority?.();
  }
  const finished = new Date();
  return {
    ...tally,
    ...backend.totals(),
    durationMs: finished.getTime() - started.getTime(),
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
  };
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error(
    `The scan was aborted${reason instanceof Error ? `: ${reason.message}` : ''}.`,
  );
  err.name = 'AbortError';
  return err;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

function lowerPriority(): () => void {
  try {
    const before = getPriority();
    setPriority(NICE_PRIORITY);
    return () => {
      try {
        setPriority(before);
      } catch {
        // raising priority back needs CAP_SYS_NICE; without it the thread stays nice
      }
    };
  } catch {
    return () => undefined;
  }
}

function makeBackend(
  options: ScanOptions,
  onFinding: (f: Finding) => void,
  onError: (e: ScanError) => void,
  internals: ScanInternals,
): Backend {
  const threads = threadCount(options);
  const workerFile = threads > 0 ? resolveWorkerFile(options) : undefined;
  if (threads > 0 && workerFile === undefined) {
    log.warn(
      { threads },
      'no scan-worker.js found and no workerFile given: scanning in the calling thread',
    );
  }
  if (threads > 0 && workerFile !== undefined) {
    const pool = new WorkerPool(
      {
        threads,
        workerFile,
        limits: options.limits,
        nice: options.nice,
        crashOnPath: internals.crashOnPath,
        readAheadAlways: internals.readAheadAlways,
      },
      { finding: onFinding, error: onError },
    );
    return {
      submit: (files) => pool.submit(files),
      finish: () => pool.drain(),
      close: () => pool.close(),
      abort: (reason) => pool.abort(reason),
      totals: () => pool.totals(),
    };
  }
  return inThreadBackend(options, onFinding, onError);
}

function inThreadBackend(
  options: ScanOptions,
  onFinding: (f: Finding) => void,
  onError: (e: ScanError) => void,
): Backend {
  const totals = { archives: 0, bytes: 0 };
  return {
    async submit(files) {
      const t0 = Date.now();
      for (const f of files) {
        throwIfAborted(options.signal);
        const r = scanFile(f.path, {
          limits: options.limits,
          displayRaw: f.raw ? Buffer.from(f.raw) : undefined,
          regularFile: true,
        });
        totals.archives += r.archives;
        totals.bytes += r.bytes;
        r.findings.forEach(onFinding);
        r.errors.forEach(onError);
      }
      // Let timers (progress) and IO (the walker, a daemon's stream) run between batches.
      if (options.nice) await sleep(Math.min(MAX_NICE_PAUSE_MS, Date.now() - t0));
      else await yieldToLoop();
    },
    finish: () => Promise.resolve(),
    close: () => Promise.resolve(),
    abort: () => undefined,
    totals: () => totals,
  };
}

function startProgress(sink: ScanSink, tally: Tally, backend: Backend): { stop(): void } {
  const report = (): void => {
    if (!sink.progress) return;
    const { archives, bytes } = backend.totals();
    const { files, directories, findings, errors } = tally;
    sink.progress({ files, directories, archives, bytes, findings, errors });
  };
  const timer = setInterval(report, PROGRESS_INTERVAL_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      report();
    },
  };
}

/** Walks the given paths and hands files to the backend in batches; exploded roots are scanned here. */
async function feed(
  options: ScanOptions,
  backend: Backend,
  tally: Tally,
  onFinding: (f: Finding) => void,
  onError: (e: ScanError) => void,
): Promise<void> {
  const dirs: Array<string | Buffer> = [];
  const files: WireFile[] = [];
  for (const p of options.paths) {
    const root = rootOf(p);
    const kind = rootKind(root, onError);
    if (kind === 'file') {
      tally.files++;
      files.push(root.raw ? { path: root.path, raw: root.raw } : { path: root.path });
    } else if (kind === 'directory') {
      dirs.push(p);
    }
  }
  if (files.length > 0) await backend.submit(files);
  if (dirs.length === 0) return;
  const seenRoots = new Set<string>();
  const walkOpts = {
    exclude: options.exclude,
    includeNetworkFs: options.includeNetworkFs,
    includePseudoFs: options.includePseudoFs ?? false,
    oneFileSystem: options.oneFileSystem,
  };
  for await (const batch of walkBatches(dirs, walkOpts, onError, tally)) {
    throwIfAborted(options.signal);
    for (const f of batch)
      if (!f.raw) scanExplodedOnce(f.path, seenRoots, options, onFinding, onError);
    await backend.submit(batch);
  }
}

function rootKind(root: Located, onError: (e: ScanError) => void): 'file' | 'directory' | 'other' {
  try {
    const st = statSync(fsPath(root));
    if (st.isDirectory()) return 'directory';
    return st.isFile() ? 'file' : 'other';
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const problem = problemFromError(err, 'stat the path');
    const message = code === 'ENOENT' ? 'No such file or directory.' : problem.message;
    const e: ScanError = {
      path: root.path,
      chain: [root.path],
      code: problem.code,
      error: message,
    };
    if (root.raw) e.pathBytesBase64 = root.raw.toString('base64');
    onError(e);
    return 'other';
  }
}

function scanExplodedOnce(
  filePath: string,
  seen: Set<string>,
  options: ScanOptions,
  onFinding: (f: Finding) => void,
  onError: (e: ScanError) => void,
): void {
  const root = explodedRootOf(filePath);
  if (!root || seen.has(root.packageDir)) return;
  seen.add(root.packageDir);
  const r = scanExplodedRoot(root, { limits: options.limits });
  r.findings.forEach(onFinding);
  r.errors.forEach(onError);
}

export interface TreeScanResult {
  findings: Finding[];
  errors: ScanError[];
  summary: ScanSummary;
}

/**
 * Convenience over scan(): scans files or directories (exploded copies included) with
 * default options and collects everything. threads defaults to 0 (the calling thread).
 */
export async function scanDirectoryTree(
  paths: string | Buffer | Array<string | Buffer>,
  opts: Partial<Omit<ScanOptions, 'paths'>> = {},
): Promise<TreeScanResult> {
  const findings: Finding[] = [];
  const errors: ScanError[] = [];
  const summary = await scan(
    {
      paths: Array.isArray(paths) ? paths : [paths],
      exclude: opts.exclude ?? [],
      includeNetworkFs: opts.includeNetworkFs ?? false,
      includePseudoFs: opts.includePseudoFs,
      oneFileSystem: opts.oneFileSystem ?? false,
      threads: opts.threads ?? 0,
      nice: opts.nice ?? false,
      limits: { ...DEFAULT_LIMITS, ...opts.limits },
      workerFile: opts.workerFile,
      signal: opts.signal,
    },
    { finding: (f) => findings.push(f), error: (e) => errors.push(e) },
  );
  return { findings, errors, summary };
}
