/**
 * Worker thread entry (bundled by the agent's build to scan-worker.js): scans the batches
 * of files the main thread sends, posts findings/errors as they come and "done" per batch.
 */
import { closeSync } from 'node:fs';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import {
  HEAD_BYTES,
  readHead,
  readHeadAhead,
  scanFile,
  type FileHead,
} from '../engine/file.scanner';
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
/**
 * Read-ahead. Warm (files in the page cache), a file's open and first read take a few
 * microseconds and one synchronous call after the other costs the least CPU. Cold, each waits
 * for the disk (a hundred microseconds and more), and one request at a time leaves the disk
 * idle: measured on the 200,000-file bench tree with the page cache dropped, one worker reading
 * synchronously took 22 s, as much as 3 workers would have cost 11-14 s. So a worker whose
 * synchronous opens and first reads average more than SLOW_HEAD_US per file in a batch switches
 * to reading READ_AHEAD files ahead through libuv's thread pool, and every PROBE_EVERY batches
 * reads one batch synchronously again to see whether the disk still makes it wait.
 */
const SLOW_HEAD_US = 40;
const READ_AHEAD = 8;
const PROBE_EVERY = 16;
/** Batches smaller than this say too little about the disk to switch on. */
const MIN_SAMPLE_FILES = 32;

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

function scanOne(file: WireFile, raw: Buffer | undefined, head: FileHead): void {
  if (init.crashOnPath !== undefined && file.path === init.crashOnPath) {
    if ('fd' in head) closeSync(head.fd);
    throw new Error(`test crash on ${file.path}`);
  }
  const r = scanFile(file.path, { limits: init.limits, displayRaw: raw, regularFile: true, head });
  totals[0] += r.archives;
  totals[1] += r.bytes;
  if (r.findings.length > 0 || r.errors.length > 0)
    post({ type: 'result', findings: r.findings, errors: r.errors });
}

const rawOf = (file: WireFile): Buffer | undefined =>
  file.raw ? Buffer.from(file.raw) : undefined;

/** Reused for every synchronous first read. */
const headBuf = Buffer.allocUnsafe(HEAD_BYTES);

/** Scans the files one after the other; returns the time their opens and first reads took (ns). */
function scanInTurn(files: WireFile[]): bigint {
  let reading = 0n;
  for (let i = 0; i < files.length; i++) {
    Atomics.store(position, 1, i);
    const raw = rawOf(files[i]);
    const t0 = process.hrtime.bigint();
    const head = readHead(raw ?? files[i].path, headBuf);
    reading += process.hrtime.bigint() - t0;
    scanOne(files[i], raw, head);
  }
  return reading;
}

/** Buffers of the reads in flight: READ_AHEAD + 1 (the one being scanned), reused. */
const aheadBufs = Array.from({ length: READ_AHEAD + 1 }, () => Buffer.allocUnsafe(HEAD_BYTES));

/** Scans the files with the next READ_AHEAD opens and first reads in flight. */
async function scanReadingAhead(files: WireFile[]): Promise<void> {
  const raws = files.map(rawOf);
  const ahead: Array<Promise<FileHead> | undefined> = [];
  let next = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      for (; next < files.length && next <= i + READ_AHEAD; next++)
        ahead[next] = readHeadAhead(
          raws[next] ?? files[next].path,
          aheadBufs[next % aheadBufs.length],
        );
      Atomics.store(position, 1, i);
      const head = await (ahead[i] as Promise<FileHead>);
      ahead[i] = undefined;
      scanOne(files[i], raws[i], head);
    }
  } catch (err) {
    // A crash mid-batch: the files read ahead will not be scanned. Their descriptors are the
    // process's, not the worker's: close them before the worker dies.
    const pending = ahead.filter((p): p is Promise<FileHead> => p !== undefined);
    for (const h of await Promise.all(pending)) if ('fd' in h) closeSync(h.fd);
    throw err;
  }
}

let readingAhead = init.readAheadAlways === true;
let batchesAhead = 0;

async function runBatch(msg: WireBatch): Promise<void> {
  const started = Date.now();
  const files = unpackBatch(msg);
  Atomics.store(position, 0, msg.id);
  if (init.readAheadAlways || (readingAhead && ++batchesAhead % PROBE_EVERY !== 0)) {
    await scanReadingAhead(files);
  } else {
    const reading = scanInTurn(files);
    if (files.length >= MIN_SAMPLE_FILES)
      readingAhead = reading / BigInt(files.length) > BigInt(SLOW_HEAD_US * 1000);
  }
  Atomics.store(position, 1, files.length);
  post({ type: 'done', id: msg.id });
  if (init.nice) await sleep(Math.min(MAX_NICE_PAUSE_MS, Date.now() - started));
}

let queue: Promise<void> = Promise.resolve();

port.on('message', (msg: WireBatch) => {
  // Batches run one after the other; a throw here is a crash the main thread recovers from.
  queue = queue.then(() => runBatch(msg));
  queue.catch((err: unknown) => {
    setImmediate(() => {
      throw err;
    });
  });
});
