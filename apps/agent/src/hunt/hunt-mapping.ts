import {
  HUNT_LIMITS,
  HuntResults,
  PROTOCOL_LIMITS,
  type ChangedFile as ChangedFileMessage,
  type HuntCommand,
  type HuntError as HuntErrorMessage,
  type HuntHit as HuntHitMessage,
  type HuntSummary as HuntSummaryMessage,
  type KindResults,
} from '@log4fleet/contracts';
import type { ChangedFile, HuntError, HuntHit, HuntSummary } from '@log4fleet/hunt';
import { truncateUtf8 } from '../daemon/scan-mapping';

const HEX_HASH = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** Refuses a hunt beyond HUNT_LIMITS, naming the field (the command fails with this message). */
export function checkHuntCommand(c: HuntCommand): void {
  const list = (name: string, items: readonly string[], max: number, maxBytes: number): void => {
    if (items.length > max)
      throw new Error(`hunt: ${name} has ${items.length} entries, at most ${max}`);
    items.forEach((v, i) => {
      if (Buffer.byteLength(v) > maxBytes)
        throw new Error(`hunt: ${name}[${i}] is longer than ${maxBytes} bytes`);
      if (v.length === 0) throw new Error(`hunt: ${name}[${i}] is empty`);
    });
  };
  list('paths', c.paths, HUNT_LIMITS.paths, HUNT_LIMITS.pathBytes);
  list('indicator_paths', c.indicatorPaths, HUNT_LIMITS.paths, HUNT_LIMITS.pathBytes);
  list('config_dirs', c.configDirs, HUNT_LIMITS.paths, HUNT_LIMITS.pathBytes);
  list('indicator_strings', c.indicatorStrings, HUNT_LIMITS.indicators, HUNT_LIMITS.indicatorChars);
  list('indicator_c2', c.indicatorC2, HUNT_LIMITS.indicators, HUNT_LIMITS.indicatorChars);
  list('indicator_hashes', c.indicatorHashes, HUNT_LIMITS.indicators, HUNT_LIMITS.indicatorChars);
  list(
    'indicator_filenames',
    c.indicatorFilenames,
    HUNT_LIMITS.indicators,
    HUNT_LIMITS.indicatorChars,
  );
  c.indicatorHashes.forEach((h, i) => {
    if (!HEX_HASH.test(h))
      throw new Error(`hunt: indicator_hashes[${i}] is not an MD5, SHA-1 or SHA-256 hash`);
  });
  for (const p of [...c.paths, ...c.indicatorPaths, ...c.configDirs])
    if (!p.startsWith('/')) throw new Error(`hunt: path ${JSON.stringify(p)} is not absolute`);
  if (c.maxLineBytes > HUNT_LIMITS.maxLineBytes)
    throw new Error(`hunt: max_line_bytes ${c.maxLineBytes} is over ${HUNT_LIMITS.maxLineBytes}`);
  if (c.maxDecompressedBytes > HUNT_LIMITS.maxDecompressedBytes)
    throw new Error(
      `hunt: max_decompressed_bytes ${c.maxDecompressedBytes} is over ${HUNT_LIMITS.maxDecompressedBytes}`,
    );
}

const text = (s: string, max: number = HUNT_LIMITS.textChars): string => truncateUtf8(s, max);

export function toHitMessage(h: HuntHit): HuntHitMessage {
  const t = h.target;
  return {
    kind: h.kind,
    confidence: h.confidence,
    file: text(h.file),
    line: h.line,
    timestamp: h.timestamp ?? '',
    timestampText: text(h.timestampText ?? '', 64),
    raw: text(h.raw, HUNT_LIMITS.hitTextChars),
    rawTruncated: h.rawTruncated || Buffer.byteLength(h.raw) > HUNT_LIMITS.hitTextChars,
    decoded: text(h.decoded, HUNT_LIMITS.hitTextChars),
    target: t
      ? {
          protocol: text(t.protocol, 64),
          host: text(t.host, 1024),
          port: t.port ?? 0,
          path: text(t.path, 1024),
          callbackHost: text(t.callbackHost, 1024),
          bypass: t.bypass ?? '',
        }
      : undefined,
    exfiltrates: h.exfiltrates.slice(0, HUNT_LIMITS.exfiltrations).map((e) => ({
      expression: text(e.expression, 1024),
      lookup: text(e.lookup, 64),
      name: text(e.name, 1024),
      where: e.where,
    })),
    trace: h.trace ?? '',
    obfuscation: h.obfuscation.slice(0, HUNT_LIMITS.obfuscations),
    cves: h.cves.slice(0, 8),
    indicatorType: h.indicator?.type ?? '',
    indicatorValue: text(h.indicator?.value ?? '', HUNT_LIMITS.indicatorChars),
    message: text(h.message),
  };
}

export function toErrorMessage(
  e: HuntError | { path: string; code: string; error: string },
): HuntErrorMessage {
  return { path: text(e.path), code: e.code, error: text(e.error) };
}

export function toChangedFileMessage(f: ChangedFile): ChangedFileMessage {
  return {
    path: text(f.path),
    mtime: f.mtime,
    ctime: f.ctime,
    size: f.size,
    uid: f.uid,
    owner: text(f.owner ?? '', 255),
    mode: f.mode,
    changed: f.changed,
  };
}

export function toSummaryMessage(s: HuntSummary, hitsDropped: number): HuntSummaryMessage {
  return {
    files: s.files,
    filesSkippedOld: s.filesSkippedOld,
    filesSkippedBinary: s.filesSkippedBinary,
    bytes: s.bytes,
    lines: s.lines,
    hits: s.hits,
    errors: s.errors,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    durationMs: s.durationMs,
    hitsDropped,
  };
}

/** Room kept in each part for the message framing and the summary. */
const PART_MARGIN = 16 * 1024;

/**
 * The results in parts that each fit a chunk (PROTOCOL_LIMITS.kindResultsBytes), in order:
 * hits, then errors, then changed files; the summary in the last part.
 */
export function toResultParts(
  hits: readonly HuntHitMessage[],
  errors: readonly HuntErrorMessage[],
  changed: readonly ChangedFileMessage[],
  summary: HuntSummaryMessage,
): KindResults[] {
  const budget = PROTOCOL_LIMITS.kindResultsBytes - PART_MARGIN;
  const parts: HuntResults[] = [];
  let current: HuntResults = { hits: [], errors: [], changedFiles: [], summary: undefined };
  let size = 0;
  const add = (bytes: number, put: (r: HuntResults) => void): void => {
    if (size + bytes > budget && size > 0) {
      parts.push(current);
      current = { hits: [], errors: [], changedFiles: [], summary: undefined };
      size = 0;
    }
    put(current);
    size += bytes + 8;
  };
  for (const h of hits)
    add(HuntResults.encode({ hits: [h], errors: [], changedFiles: [] }).finish().length, (r) =>
      r.hits.push(h),
    );
  for (const e of errors)
    add(HuntResults.encode({ hits: [], errors: [e], changedFiles: [] }).finish().length, (r) =>
      r.errors.push(e),
    );
  for (const f of changed)
    add(HuntResults.encode({ hits: [], errors: [], changedFiles: [f] }).finish().length, (r) =>
      r.changedFiles.push(f),
    );
  current.summary = summary;
  parts.push(current);
  return parts.map((value) => ({ kind: { $case: 'hunt', value } }));
}
