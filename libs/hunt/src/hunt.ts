import { stat } from 'node:fs/promises';
import { analyzeLine, type AnalyzeOptions } from './detect/line';
import { digestFile, type IndicatorMatcher } from './ioc/indicators';
import { LineScanner, defaultNeedles, type CandidateLine } from './read/line-scanner';
import {
  CHUNK_BYTES,
  canDecompress,
  containerOf,
  decompressedChunks,
  DecompressedTooLarge,
  openLog,
  plainChunks,
  sniffText,
  utf16AsUtf8,
} from './read/log-source';
import { lineTimestamp, type LineTimestamp } from './read/timestamp';
import { walkLogFiles, type LogFile } from './read/walk';
import {
  DEFAULT_HUNT_LIMITS,
  type HuntError,
  type HuntHit,
  type HuntLimits,
  type HuntSummary,
  type LineHit,
} from './types';

export interface HuntOptions {
  /** Files and directories (walked; .gz and other rotated logs included). */
  paths: LogFile[] | string[];
  /** Only lines written at or after this time (epoch ms); files last written before it are skipped. */
  sinceMs?: number;
  /** In directories, only files named like logs (the default locations hold more than logs). */
  logNamesOnly?: boolean;
  limits?: Partial<HuntLimits>;
  indicators?: IndicatorMatcher;
  /** More files and directories checked only against the indicators' file hashes and names (all files, any content). */
  indicatorPaths?: string[];
  /** Files above this size are not hashed (default 256 MiB). */
  maxHashBytes?: number;
  analyze?: AnalyzeOptions;
  /** Stops the hunt (between chunks): hunt() rejects with HuntCancelled. */
  signal?: AbortSignal;
}

export class HuntCancelled extends Error {
  constructor() {
    super('hunt cancelled');
  }
}

function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HuntCancelled();
}

export interface HuntSink {
  hit(h: HuntHit): void;
  error(e: HuntError): void;
  /** Called after each file. */
  progress?(p: { file: string; files: number; bytes: number }): void;
}

interface Counters {
  files: number;
  filesSkippedOld: number;
  filesSkippedBinary: number;
  bytes: number;
  lines: number;
  hits: number;
  errors: number;
}

function rawWindow(text: string, max: number): { raw: string; rawTruncated: boolean } {
  if (text.length <= max) return { raw: text, rawTruncated: false };
  // Show where the string starts: the first lookup-looking character, with some context.
  const at = text.search(/\$\{|%24|%25|\\u00|&#|jndi|JNDI|Jndi|naming/);
  const start = Math.max(0, (at < 0 ? 0 : at) - 256);
  return { raw: text.slice(start, start + max), rawTruncated: true };
}

/** Hunts every file of `paths` and reports each hit as it is found. */
export async function hunt(options: HuntOptions, sink: HuntSink): Promise<HuntSummary> {
  const limits: HuntLimits = { ...DEFAULT_HUNT_LIMITS, ...options.limits };
  const started = Date.now();
  const c: Counters = {
    files: 0,
    filesSkippedOld: 0,
    filesSkippedBinary: 0,
    bytes: 0,
    lines: 0,
    hits: 0,
    errors: 0,
  };
  const report = {
    hit: (h: HuntHit) => {
      c.hits++;
      sink.hit(h);
    },
    error: (e: HuntError) => {
      c.errors++;
      sink.error(e);
    },
  };
  const files = walkLogFiles(
    options.paths.map((p) => (typeof p === 'string' ? { path: p } : p)),
    { logNamesOnly: options.logNamesOnly ?? false, maxFiles: limits.maxFiles },
    report.error,
  );
  for await (const file of files) {
    checkSignal(options.signal);
    if (options.indicators)
      await fileIndicators(file, options.indicators, options.maxHashBytes, report);
    await huntFile(file, options, limits, c, report);
    sink.progress?.({ file: file.display ?? file.path, files: c.files, bytes: c.bytes });
  }
  if (options.indicators && options.indicatorPaths && options.indicatorPaths.length > 0) {
    const more = walkLogFiles(
      options.indicatorPaths.map((p) => ({ path: p })),
      { logNamesOnly: false, maxFiles: limits.maxFiles },
      report.error,
    );
    for await (const file of more)
      await fileIndicators(file, options.indicators, options.maxHashBytes, report);
  }
  const finished = Date.now();
  return {
    ...c,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
  };
}

async function huntFile(
  file: LogFile,
  options: HuntOptions,
  limits: HuntLimits,
  c: Counters,
  report: { hit(h: HuntHit): void; error(e: HuntError): void },
): Promise<void> {
  const shown = file.display ?? file.path;
  let fh;
  try {
    fh = await openLog(file.path);
  } catch (err) {
    report.error({ path: shown, code: errorCode(err), error: message(err) });
    return;
  }
  try {
    const st = await fh.stat();
    if (options.sinceMs !== undefined && st.mtimeMs < options.sinceMs) {
      c.filesSkippedOld++;
      return;
    }
    const head = Buffer.alloc(Math.min(CHUNK_BYTES, 65536));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const container = containerOf(head.subarray(0, bytesRead));
    if (container === 'zip') {
      c.filesSkippedBinary++;
      return;
    }
    if (!canDecompress(container)) {
      report.error({
        path: shown,
        code: 'unsupported-compression',
        error: `${container}-compressed log: not read (only gzip${canDecompress('zstd') ? ' and zstd' : ''} are)`,
      });
      return;
    }
    const chunks =
      container === 'plain'
        ? plainChunks(fh)
        : decompressedChunks(file.path, container, limits.maxDecompressedBytes);
    c.files++;
    await scanChunks(chunks, shown, st.mtimeMs, options, limits, c, report);
  } catch (err) {
    if (err instanceof HuntCancelled) throw err;
    if (err instanceof DecompressedTooLarge)
      report.error({
        path: shown,
        code: 'decompressed-too-large',
        error: `${err.message}: the rest of the file was not read`,
      });
    else if (isZlibError(err))
      report.error({
        path: shown,
        code: 'corrupt-compressed',
        error: `${message(err)}: the rest of the file was not read`,
      });
    else report.error({ path: shown, code: errorCode(err), error: message(err) });
  } finally {
    await fh.close();
  }
}

async function scanChunks(
  chunks: AsyncGenerator<Buffer>,
  shown: string,
  mtimeMs: number,
  options: HuntOptions,
  limits: HuntLimits,
  c: Counters,
  report: { hit(h: HuntHit): void; error(e: HuntError): void },
): Promise<void> {
  const first = await chunks.next();
  if (first.done) return;
  const encoding = sniffText(first.value);
  if (encoding === 'binary') {
    c.files--;
    c.filesSkippedBinary++;
    await chunks.return(undefined);
    return;
  }
  const reference = { year: new Date(mtimeMs).getFullYear(), notAfterMs: mtimeMs };
  const indicators = options.indicators;
  let windowLine = 0;
  let windowSeen = new Set<string>();
  const scanner = new LineScanner(
    defaultNeedles(indicators?.needles() ?? []),
    limits.maxLineBytes,
    (cand) => {
      let hits = lineHits(cand, indicators, options.analyze);
      if (cand.window) {
        // Windows of an over-long line overlap: what the overlap holds is reported once.
        if (cand.line !== windowLine) [windowLine, windowSeen] = [cand.line, new Set<string>()];
        hits = hits.filter((h) => {
          const key = `${h.kind}\0${h.decoded}`;
          return windowSeen.has(key) ? false : Boolean(windowSeen.add(key));
        });
      }
      if (hits.length === 0) return;
      const own = lineTimestamp(cand.text, reference);
      if (options.sinceMs !== undefined) {
        const when = own ?? inherited(cand, reference);
        if (when !== undefined && when.ms < options.sinceMs) return;
      }
      for (const h of hits) {
        report.hit({
          ...h,
          file: shown,
          line: cand.line,
          ...(own ? { timestamp: new Date(own.ms).toISOString(), timestampText: own.text } : {}),
          ...rawWindow(cand.text, limits.maxRawChars),
        });
      }
    },
  );
  const all = (async function* () {
    yield Buffer.from(first.value);
    yield* chunks;
  })();
  const source = encoding === 'utf8' ? all : utf16AsUtf8(all, encoding);
  for await (const chunk of source) {
    checkSignal(options.signal);
    scanner.feed(chunk);
  }
  scanner.end();
  c.bytes += scanner.bytes;
  c.lines += scanner.lines;
}

function lineHits(
  cand: CandidateLine,
  indicators: IndicatorMatcher | undefined,
  analyze?: AnalyzeOptions,
): LineHit[] {
  const hits = analyzeLine(cand.text, analyze);
  if (!indicators) return hits;
  for (const h of hits) {
    const c2 = h.target ? indicators.matchHost(h.target.callbackHost) : undefined;
    if (c2) h.indicator = c2;
  }
  for (const ref of indicators.matchLine(cand.text)) {
    if (hits.some((h) => h.indicator?.value === ref.value)) continue;
    hits.push({
      kind: 'indicator',
      confidence: 'high',
      decoded: ref.value,
      exfiltrates: [],
      obfuscation: [],
      cves: [],
      indicator: ref,
      message: `indicator ${ref.type} ${JSON.stringify(ref.value)}${ref.description ? ` (${ref.description})` : ''} in a log line`,
    });
  }
  return hits;
}

/** A file whose name or hash is in the indicator set: one hit per indicator, on line 0 (the file itself). */
async function fileIndicators(
  file: LogFile,
  indicators: IndicatorMatcher,
  maxHashBytes = 256 * 1024 * 1024,
  report: { hit(h: HuntHit): void; error(e: HuntError): void },
): Promise<void> {
  const shown = file.display ?? file.path;
  const refs = indicators.matchPath(shown);
  if (indicators.hasHashes) {
    try {
      const st = await stat(file.path);
      const digests = st.isFile() ? await digestFile(file.path, st.size, maxHashBytes) : undefined;
      const ref = digests && indicators.matchHash(digests);
      if (ref) refs.push(ref);
    } catch (err) {
      report.error({ path: shown, code: errorCode(err), error: message(err) });
    }
  }
  for (const ref of refs) {
    report.hit({
      kind: 'indicator',
      confidence: 'high',
      decoded: ref.value,
      exfiltrates: [],
      obfuscation: [],
      cves: [],
      indicator: ref,
      message: `file matches indicator ${ref.type} ${JSON.stringify(ref.value)}${ref.description ? ` (${ref.description})` : ''}`,
      file: shown,
      line: 0,
      raw: '',
      rawTruncated: false,
    });
  }
}

/** A stack trace's lines carry no timestamp: the nearest line above that has one stands for them. */
function inherited(
  cand: CandidateLine,
  reference: { year: number; notAfterMs?: number },
): LineTimestamp | undefined {
  for (const text of cand.before()) {
    const ts = lineTimestamp(text, reference);
    if (ts) return ts;
  }
  return undefined;
}

function isZlibError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function errorCode(err: unknown): HuntError['code'] {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not-found' : 'unreadable';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
