/**
 * The protocol's size limits, written in the comments of proto/log4fleet/agent/v1/*.proto: the
 * agent never sends more (it truncates or splits), the controller refuses a message over any of
 * them whole (INVALID_ARGUMENT). One definition, read by both ends.
 */

/** agent.proto (Enroll, HostFacts, CommandUpdate) and results.proto (UploadResults chunks). */
export const PROTOCOL_LIMITS = {
  tokenBytes: 256,
  machineIdBytes: 64,
  factBytes: 255,
  addresses: 64,
  addressBytes: 64,
  versionBytes: 64,
  /** A command update's or a scan error's message. */
  messageBytes: 1024,
  findingsPerChunk: 500,
  errorsPerChunk: 500,
  chainElements: 16,
  chainElementBytes: 4096,
  /** A finding's product name ([a-z0-9][a-z0-9._-]*). */
  productBytes: 32,
  cves: 16,
  cveBytes: 32,
  evidence: 32,
  evidenceBytes: 512,
  packageRootBytes: 512,
  errorCodeBytes: 64,
  /** Chunks of one command's results. */
  totalChunks: 100_000,
  /** A chunk's kind_results (results of a kind other than scan), encoded: a kind splits beyond. */
  kindResultsBytes: 1024 * 1024,
} as const;

/** inventory.proto: a snapshot over any of them is refused whole. */
/**
 * A scan command's bounds (commands.proto): the controller refuses a request beyond them (400),
 * the agent fails a command beyond them naming the field. Numbers stay within what the agent
 * decodes as JavaScript numbers; no entry is inflated beyond 512 MiB (the scanner's
 * maxEntryBytes), so holding a larger nested archive in memory buys nothing.
 */
export const SCAN_LIMITS = {
  paths: 64,
  pathBytes: 4096,
  excludes: 256,
  excludeChars: 4096,
  maxDepth: 64,
  maxNestedBytes: 512 * 1024 * 1024,
  threads: 64,
} as const;

/**
 * A quarantine command's bounds (commands.proto QuarantineCommand, results.proto
 * QuarantineResults, agent.proto ContainmentReport): the controller refuses a request beyond
 * them (400), the agent fails a command beyond them naming the field.
 */
export const QUARANTINE_LIMITS = {
  allowlistEntries: 64,
  resolvers: 16,
  controllerAddresses: 16,
  addressBytes: 64,
  /** Seconds the controller has to answer over the new rules; 0 on the wire means the default. */
  defaultDeadlineS: 30,
  maxDeadlineS: 300,
  codeBytes: 64,
  reasonBytes: 1024,
  evidenceBytes: 64 * 1024,
  hashBytes: 128,
} as const;

/**
 * Fix and restore commands (commands.proto) and their results (results.proto): the controller
 * refuses a request beyond them (400), the agent fails a command beyond them; the agent cuts a
 * file's lists and strings to these when it reports.
 */
export const FIX_LIMITS = {
  paths: 64,
  pathBytes: 4096,
  /** Copies, removed entries, signature files and processes listed per file. */
  listItems: 500,
  textBytes: 1024,
} as const;

/**
 * A hunt command's bounds and its results' (commands.proto HuntCommand, results.proto
 * HuntResults): the controller refuses a request beyond them (400), the agent fails a command
 * beyond them naming the field, and cuts its results' text to them.
 */
export const HUNT_LIMITS = {
  paths: 64,
  pathBytes: 4096,
  /** Per indicator list (strings, c2, hashes, filenames). */
  indicators: 10_000,
  indicatorChars: 1024,
  maxLineBytes: 16 * 1024 * 1024,
  maxDecompressedBytes: 1024 ** 4,
  /** Hits one command sends; more are counted (summary.hits_dropped), not sent. */
  hits: 10_000,
  /** A hit's raw line and decoded form, in characters. */
  hitTextChars: 2048,
  /** A hit's message, a file path, an error's text. */
  textChars: 4096,
  exfiltrations: 32,
  obfuscations: 16,
  errors: 1000,
  changedFiles: 10_000,
} as const;

export const INVENTORY_LIMITS = {
  interfaces: 256,
  addressesPerInterface: 64,
  defaultRoutes: 16,
  listening: 4096,
  /** Established connections (network map); the agent keeps the first ones. */
  connections: 4096,
  processesPerPort: 32,
  javaRuntimes: 64,
  runningPids: 1024,
  accounts: 4096,
  privilegeReasons: 16,
  groups: 64,
  jvms: 256,
  cmdline: 256,
  classpath: 1024,
  flags: 64,
  indicators: 256,
  findingsPerJvm: 500,
  restartNeededPerJvm: 256,
  copies: 16,
  coverage: 16,
  /** CVE ids of one CopySummary. */
  cves: 16,
  warnings: 256,
  /** Installed packages (dpkg, rpm): a full desktop has ~3,000, a server fewer. */
  packages: 16384,
  shortBytes: 64,
  nameBytes: 255,
  reasonBytes: 512,
  messageBytes: 1024,
  pathBytes: 4096,
  containerIdBytes: 128,
} as const;

/**
 * A probe command's bounds (commands.proto ProbeCommand): the controller refuses a request beyond
 * them (400), the agent fails a command beyond them naming the field. 0 on the wire means the
 * agent's default (the `default*` values, also `log4fleet-agent probe`'s).
 */
export const PROBE_LIMITS = {
  targets: 64,
  addressBytes: 64,
  ratePerSecond: 200,
  maxRequests: 10_000,
  timeBudgetSeconds: 3600,
  defaultRatePerSecond: 20,
  defaultMaxRequests: 1000,
  defaultTimeBudgetSeconds: 120,
  /** Results: errors and unmatched callbacks kept, processes per target, bytes of a text field. */
  errors: 256,
  unmatched: 256,
  processesPerTarget: 32,
  textBytes: 1024,
} as const;
