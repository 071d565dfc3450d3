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
}

export const STATS_BYTES = 24;

export function statsViews(sab: SharedArrayBuffer): { totals: Float64Array; position: Int32Array } {
  return { totals: new Float64Array(sab, 0, 2), position: new Int32Array(sab, 16, 2) };
}

export interface BatchMessage {
  type: 'batch';
  id: number;
  files: WireFile[];
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
