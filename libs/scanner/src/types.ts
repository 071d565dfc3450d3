/**
 * The scanner's public vocabulary. Every part (zip reader, detector, walker, engine,
 * reports, the agent daemon, the controller's ingestion) speaks in these types.
 */

/** What a copy of log4j is. Bridges and log4j-api are never findings. */
export type Product = 'log4j-core' | 'log4j-1.x' | 'reload4j';

/**
 * Verdict for one copy:
 * - vulnerable: any CVE of the family applies and, for 2.x, JndiLookup is present (so a
 *   2.17.0 with only CVE-2021-44832 is vulnerable, as other scanners report it; 1.x copies
 *   with CVEs are vulnerable too, and the CLI's exit code tells products apart);
 * - mitigated: a 2.x copy whose JndiLookup class was removed from a release that had
 *   44228/45046; still lists 45105/44832 when the version carries them;
 * - safe: no CVE of this family applies;
 * - unknown: log4j is there but the bytes and metadata cannot decide.
 */
export type Status = 'vulnerable' | 'mitigated' | 'safe' | 'unknown';

export const CVE = {
  LOG4SHELL: 'CVE-2021-44228',
  THREAD_CONTEXT: 'CVE-2021-45046',
  RECURSION_DOS: 'CVE-2021-45105',
  JDBC_JNDI: 'CVE-2021-44832',
  V1_JMS_APPENDER: 'CVE-2021-4104',
  V1_SOCKET_SERVER: 'CVE-2019-17571',
  V1_JMS_SINK: 'CVE-2022-23302',
  V1_JDBC_APPENDER: 'CVE-2022-23305',
  V1_CHAINSAW: 'CVE-2022-23307',
} as const;
export type CveId = (typeof CVE)[keyof typeof CVE];

/** One copy of log4j found inside one archive or directory, as decided by the detector. */
export interface Detection {
  product: Product;
  /** Exact version ("2.14.1", "2.0-beta9") when known, else a range (">=2.10.0 <2.15.0"). */
  version: string;
  versionExact: boolean;
  status: Status;
  /** CVE ids that apply to this copy, sorted. */
  cves: string[];
  /**
   * Short strings naming what decided the verdict, most decisive first, e.g.
   * "JndiManager.class md5 f1d6... = 2.14.x", "JndiLookup.class absent (removed)",
   * "pom.properties version=2.14.1 (not used: bytes decided)".
   */
  evidence: string[];
  /** The package root inside the archive/directory, e.g. "org/apache/logging/log4j/" or "shaded/org/apache/logging/log4j/". */
  packageRoot: string;
}

/**
 * A finding as reported to the user: one Detection plus where it is.
 * `chain[0]` is the file or directory on disk; each later element is an entry name inside
 * the previous archive. `path` is the chain joined with "!/".
 */
export interface Finding extends Detection {
  path: string;
  chain: string[];
  /** sha256 (hex) of the outermost file on disk; absent for exploded directories. */
  sha256?: string;
  /** Set when chain[0] is not valid UTF-8: the raw bytes of the on-disk path, base64. */
  pathBytesBase64?: string;
}

/** Why something could not be scanned. The scan goes on after each. */
export type ScanErrorCode =
  | 'corrupt-archive'
  | 'truncated-archive'
  | 'zip-bomb'
  | 'too-deep'
  | 'too-large'
  | 'unsupported'
  | 'permission-denied'
  | 'io-error'
  | 'symlink-loop'
  | 'internal';

export interface ScanError {
  path: string;
  chain: string[];
  code: ScanErrorCode;
  /** One human-readable sentence naming the problem. */
  error: string;
  pathBytesBase64?: string;
}

/** Hard limits that keep a scan gentle and bounded whatever the input. */
export interface ScanLimits {
  /** Archives nested deeper than this are reported as too-deep (outer file = depth 0). */
  maxDepth: number;
  /** A nested archive up to this size is read into memory; larger ones are spilled to a temp file. */
  maxNestedBytes: number;
  /** An entry whose uncompressed size exceeds its compressed size by more than this ratio is a bomb. */
  maxCompressionRatio: number;
  /** No single entry is inflated beyond this many bytes. */
  maxEntryBytes: number;
  /** Total bytes inflated for one outer file (all nesting levels) before it is declared a bomb. */
  maxTotalInflatedBytes: number;
  /** Entries in one archive's central directory beyond which it is refused. */
  maxEntries: number;
}

export const DEFAULT_LIMITS: ScanLimits = {
  maxDepth: 8,
  // A bigger nested archive is inflated into a temp file: few are (a 34 MB jar in a 78 MB
  // wheel), and each held whole in memory by each worker left the heap that much bigger.
  maxNestedBytes: 16 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxEntryBytes: 512 * 1024 * 1024,
  maxTotalInflatedBytes: 4 * 1024 * 1024 * 1024,
  maxEntries: 1_000_000,
};

export interface ScanOptions {
  /**
   * Files or directories to scan; relative ones are resolved against the working directory.
   * A path that is not valid UTF-8 is given as its bytes: findings and errors under it carry
   * those bytes in pathBytesBase64.
   */
  paths: Array<string | Buffer>;
  /**
   * Path prefixes or globs (*, **, ?, [...], {a,b}) to skip; at most MAX_EXCLUDE_PATTERNS of at
   * most MAX_EXCLUDE_PATTERN_CHARS each (scan() rejects others with InvalidExcludePattern).
   */
  exclude: string[];
  includeNetworkFs: boolean;
  includePseudoFs?: boolean;
  /** Do not descend into other mounts than the one each given path is on. */
  oneFileSystem: boolean;
  /** Worker threads; 0 scans in the calling thread. Default: defaultScanThreads() (cores - 1). */
  threads: number;
  /** Lower CPU and IO priority of the scan. */
  nice: boolean;
  limits: ScanLimits;
  /** Absolute path of the worker entry (scan-worker.js); required when threads > 0. */
  workerFile?: string;
  /** Aborting stops the walk, terminates the workers and rejects scan() with an AbortError. */
  signal?: AbortSignal;
}

export interface ScanProgress {
  files: number;
  directories: number;
  archives: number;
  bytes: number;
  findings: number;
  errors: number;
}

export interface ScanSummary extends ScanProgress {
  vulnerable: number;
  mitigated: number;
  safe: number;
  unknown: number;
  durationMs: number;
  startedAt: string;
  finishedAt: string;
}

export interface ScanSink {
  finding(f: Finding): void;
  error(e: ScanError): void;
  progress?(p: ScanProgress): void;
}
