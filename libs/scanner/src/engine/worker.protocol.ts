import type { Finding, ScanError, ScanLimits } from '../types';

/** A file for a worker: display path, plus the exact bytes to open when not valid UTF-8. */
export interface WireFile {
  path: string;
  raw?: Uint8Array;
}

export interface WorkerInit {
  limits: ScanLimits;
  nice: boolean;
  /**
   * Shared counters, written by the worker and read by the main thread for progress and
   * crash recovery without any message: Float64 [archives, bytes] then Int32 [batchId, fileIndex].
   */
  stats: SharedArrayBuffer;
  /** Test hook: the worker dies (uncaught error) when it reaches this exact path. */
  crashOnPath?: string;
  /** Test hook: read ahead from the first batch on (as on a slow disk), never probe. */
  readAheadAlways?: boolean;
}

export const STATS_BYTES = 24;

export function statsViews(sab: SharedArrayBuffer): { totals: Float64Array; position: Int32Array } {
  return { totals: new Float64Array(sab, 0, 2), position: new Int32Array(sab, 16, 2) };
}

/** A batch as the main thread keeps it (to recover from a worker crash). */
export interface BatchMessage {
  type: 'batch';
  id: number;
  files: WireFile[];
}

/**
 * A batch on the wire: the display paths joined by NUL (no path holds one), which clones as
 * one string instead of one object per file; exact bytes only for the few paths that need them.
 */
export interface WireBatch {
  type: 'batch';
  id: number;
  paths: string;
  raws?: Array<[index: number, raw: Uint8Array]>;
}

export function packBatch(batch: BatchMessage): WireBatch {
  const raws: Array<[number, Uint8Array]> = [];
  const paths = batch.files.map((f, i) => {
    if (f.raw) raws.push([i, new Uint8Array(f.raw)]);
    return f.path;
  });
  const wire: WireBatch = { type: 'batch', id: batch.id, paths: paths.join('\0') };
  if (raws.length > 0) wire.raws = raws;
  return wire;
}

export function unpackBatch(wire: WireBatch): WireFile[] {
  const files: WireFile[] = wire.paths.split('\0').map((path) => ({ path }));
  for (const [i, raw] of wire.raws ?? []) files[i].raw = raw;
  return files;
}

/** Sent per file only when it has findings or errors (rare), so messages stay few. */
export interface ResultMessage {
  type: 'result';
  findings: Finding[];
  errors: ScanError[];
}

export interface DoneMessage {
  type: 'done';
  id: number;
}

export type FromWorker = ResultMessage | DoneMessage;
