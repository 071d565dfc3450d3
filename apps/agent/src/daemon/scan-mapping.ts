import type {
  Finding as FindingMessage,
  ScanCommand,
  ScanError as ScanErrorMessage,
  ScanSummary as ScanSummaryMessage,
} from '@log4fleet/contracts';
import { PROTOCOL_LIMITS } from '@log4fleet/contracts';
import {
  checkExcludePatterns,
  DEFAULT_LIMITS,
  defaultScanThreads,
  type Finding,
  type ScanError,
  type ScanOptions,
  type ScanSink,
  type ScanSummary,
} from '@log4fleet/scanner';

/** The engine's entry point; the signal asks a running scan to stop early. */
export type ScanFn = (
  options: ScanOptions,
  sink: ScanSink,
  signal?: AbortSignal,
) => Promise<ScanSummary>;

/** results.proto's limits (libs/contracts): the controller refuses a chunk over any of them. */
const L = PROTOCOL_LIMITS;

/**
 * ScanCommand (0 = agent default) -> the engine's ScanOptions. Throws (the command fails with
 * the message) for exclude patterns the engine refuses, naming the pattern.
 */
export function toScanOptions(command: ScanCommand, workerFile: string | undefined): ScanOptions {
  checkExcludePatterns(command.exclude);
  // Paths are bytes on the wire: one that is not valid UTF-8 goes to the engine as bytes.
  const paths = command.paths.map((p) => {
    const bytes = Buffer.from(p);
    const text = bytes.toString('utf8');
    return Buffer.from(text, 'utf8').equals(bytes) ? text : bytes;
  });
  const threads = command.threads > 0 ? command.threads : defaultScanThreads();
  return {
    paths: paths.length > 0 ? paths : ['/'],
    exclude: [...command.exclude],
    includeNetworkFs: command.includeNetworkFs,
    oneFileSystem: command.oneFileSystem,
    // Without a worker file (tests, odd builds) the engine runs in this thread.
    threads: workerFile ? threads : 0,
    nice: command.nice,
    limits: {
      ...DEFAULT_LIMITS,
      maxDepth: command.maxDepth > 0 ? command.maxDepth : DEFAULT_LIMITS.maxDepth,
      maxNestedBytes:
        command.maxNestedBytes > 0 ? command.maxNestedBytes : DEFAULT_LIMITS.maxNestedBytes,
    },
    workerFile,
  };
}

export function toFindingMessage(f: Finding): FindingMessage {
  return {
    chain: chainBytes(f.chain, f.pathBytesBase64),
    product: f.product,
    // Bytes, not characters: a version of 64 non-ASCII characters is over the limit.
    version: truncateUtf8(f.version, L.versionBytes),
    versionExact: f.versionExact,
    status: f.status,
    cves: f.cves.slice(0, L.cves),
    evidence: f.evidence.slice(0, L.evidence).map((e) => truncateUtf8(e, L.evidenceBytes)),
    packageRoot: truncateUtf8(f.packageRoot, L.packageRootBytes),
    sha256: f.sha256 ?? '',
  };
}

export function toScanErrorMessage(e: ScanError): ScanErrorMessage {
  return {
    chain: chainBytes(e.chain.length > 0 ? e.chain : [e.path], e.pathBytesBase64),
    code: e.code,
    message: truncateUtf8(e.error, L.messageBytes),
  };
}

export function toSummaryMessage(s: ScanSummary): ScanSummaryMessage {
  return {
    files: s.files,
    directories: s.directories,
    archives: s.archives,
    bytes: s.bytes,
    findings: s.findings,
    errors: s.errors,
    vulnerable: s.vulnerable,
    mitigated: s.mitigated,
    safe: s.safe,
    unknown: s.unknown,
    durationMs: s.durationMs,
    startedAtMs: Date.parse(s.startedAt) || 0,
    finishedAtMs: Date.parse(s.finishedAt) || 0,
  };
}

/** chain[0] is the on-disk path: its raw bytes when the engine had to give them in base64. */
function chainBytes(chain: string[], pathBytesBase64: string | undefined): Buffer[] {
  const out = chain.slice(0, L.chainElements).map((part) => Buffer.from(part, 'utf8'));
  if (pathBytesBase64 && out.length > 0) out[0] = Buffer.from(pathBytesBase64, 'base64');
  // An entry name inside an archive may be up to 64 KiB: cut, rather than have the controller
  // refuse the whole chunk (its findings would be lost).
  return out.map((part) =>
    part.length > L.chainElementBytes ? part.subarray(0, L.chainElementBytes) : part,
  );
}

export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // Drop a trailing partial character instead of emitting U+FFFD.
  return bytes
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}
