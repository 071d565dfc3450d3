/**
 * Worker thread entry (bundled by the agent's build to scan-worker.js): scans the batches
 * of files the main thread sends, posts findings/errors as they come and "done" per batch.
 */
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { scanFile } from '../engine/file.scanner';
import {
  statsViews,
  unpackBatch,
  type FromWorker,
  type WireBatch,
  type WorkerInit,
  type WireFile,
} from '../engine/worker.protocol';

/** In nice mode a worker rests as long as it worked, at most this long: about half a core each. */
const MAX_NICE_PAUSE_MS = 200;

const init = workerData as WorkerInit;
const { totals, position } = statsViews(init.stats);
const port = parentPort;
if (!port) throw new Error('scan-worker.js must run as a worker thread');

if (init.nice) {
  try {
    setPriority(19); // this thread only: Linux nice values are per thread
  } catch {
    // not permitted: keep going at normal priority
  }
}

function post(msg: FromWorker): void {
  port?.postMessage(msg);
}

function scanOne(file: WireFile): void {
  if (init.crashOnPath !== undefined && file.path === init.crashOnPath) {
    throw new Error(`test crash on ${file.path}`);
  }
  const raw = file.raw ? Buffer.from(file.raw) : undefined;
  const r = scanFile(file.path, { limits: init.limits, displayRaw: raw, regularFile: true });
  totals[0] += r.archives;
  totals[1] += r.bytes;
  if (r.findings.length > 0 || r.errors.length > 0)
    post({ type: 'result', findings: r.findings, errors: r.errors });
}

let queue: Promise<void> = Promise.resolve();

async function runBatch(msg: WireBatch): Promise<void> {
  const started = Date.now();
  const files = unpackBatch(msg);
  Atomics.store(position, 0, msg.id);
  for (let i = 0; i < files.length; i++) {
    Atomics.store(position, 1, i);
    scanOne(files[i]);
  }
  Atomics.store(position, 1, files.length);
  post({ type: 'done', id: msg.id });
  if (init.nice) await sleep(Math.min(MAX_NICE_PAUSE_MS, Date.now() - started));
}

port.on('message', (msg: WireBatch) => {
  // Batches run one after the other; a throw here is a crash the main thread recovers from.
  queue = queue.then(() => runBatch(msg));
  queue.catch((err: unknown) => {
    setImmediate(() => {
      throw err;
    });
  });
});
