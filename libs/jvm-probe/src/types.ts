import type { Finding, ScanError } from '@log4fleet/scanner';
import type { SocketEndpoint } from '@log4fleet/inventory';

/** What a jar scan returns: the scanner engine's `scanFile` result (extra fields are ignored). */
export interface JarScanResult {
  findings: Finding[];
  errors: ScanError[];
}

/**
 * Scans one file. `path` is what to open (/proc/PID/fd/N or /proc/PID/root/...); `displayPath`
 * is the path to report (as the process sees it).
 */
export type ScanJarFn = (
  path: string,
  displayPath: string,
) => JarScanResult | Promise<JarScanResult>;

export interface JavaRuntimeInfo {
  /** The JDK/JRE home as the process sees it (inside its container, if any). */
  home: string;
  version?: string;
  vendor?: string;
  runtimeVersion?: string;
}

export interface ContainerRef {
  id: string;
  runtime: 'docker' | 'containerd' | 'cri-o' | 'podman' | 'kubernetes';
  /** Kubernetes pod UID when the cgroup path names one. */
  podUid?: string;
}

/** The short description of a process carried by every finding, indicator and flag. */
export interface ProcessRef {
  pid: number;
  uid?: number;
  user?: string;
  /** Main class, or "-jar app.jar", or "-m module/class": what an admin recognises. */
  main?: string;
  container?: ContainerRef;
}

export interface JvmProcess extends ProcessRef {
  comm?: string;
  /** /proc/PID/exe target. */
  exe?: string;
  cmdline: string[];
  mainClass?: string;
  jar?: string;
  module?: string;
  cwd?: string;
  /** Classpath entries as given (relative ones resolved against cwd, wildcards expanded). */
  classpath: string[];
  classpathSource?: 'command-line' | 'CLASSPATH';
  /** -D properties from the command line, then JAVA_TOOL_OPTIONS and JDK_JAVA_OPTIONS. */
  systemProperties: Record<string, string>;
  java?: JavaRuntimeInfo;
  startedAt?: string;
  /** Archives the process has open (paths as the process sees them). */
  openArchives: string[];
}

export type StaleReason = 'deleted' | 'replaced';

export const RESTART_NEEDED = 'still running the old jar: restart needed';

export interface StaleJar {
  reason: StaleReason;
  message: typeof RESTART_NEEDED;
  /** Why we concluded it, e.g. "fd 7 points to a deleted file" or "inode 123 open, 456 on disk". */
  detail: string;
}

/** A scanner Finding plus the process it was found in and how it was reached. */
export interface ProcessFinding extends Finding {
  process: ProcessRef;
  /** "open-file": read through /proc/PID/fd/N (what the JVM really has); "classpath": by path. */
  source: 'open-file' | 'classpath';
  /** Set when the running copy is not what is on disk any more. */
  stale?: StaleJar;
}

export interface CopySummary {
  product: Finding['product'];
  version: string;
  status: Finding['status'];
  cves: string[];
}

/** A jar a process still runs although it is gone or replaced on disk: patched on disk does not mean patched in memory. */
export interface RestartNeeded extends StaleJar {
  process: ProcessRef;
  path: string;
  /** What the running (open) copy contains. */
  running: CopySummary[];
  /** What the file now at `path` contains; absent when nothing is there. */
  onDisk?: CopySummary[];
}

export type FlagSource = 'command-line' | 'environment' | 'JAVA_TOOL_OPTIONS' | 'JDK_JAVA_OPTIONS';

/** How a flag changes exposure for the log4j copies this process runs. */
export type FlagEffect = 'partial-mitigation' | 'no-effect' | 'weakens' | 'unknown';

export interface MitigationFlag {
  process: ProcessRef;
  name: string;
  value: string;
  source: FlagSource;
  /** What the setting does, in one sentence. */
  what: string;
  effect: FlagEffect;
  /** CVEs (with the versions concerned) it helps against. */
  covers: string[];
  /** What it does NOT protect against: the part admins get wrong. */
  doesNotCover: string[];
  /** The verdict for this process's running log4j versions. */
  note: string;
}

export type IndicatorService = 'LDAP' | 'LDAPS' | 'RMI' | 'DNS';

/** An outbound connection of a JVM to a port Log4Shell exploitation uses. */
export interface ConnectionIndicator {
  process: ProcessRef;
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  state: 'ESTABLISHED' | 'SYN_SENT' | 'CONNECTED';
  local: SocketEndpoint;
  remote: SocketEndpoint;
  service: IndicatorService;
  message: string;
}

export type ProbeErrorCode = 'vanished' | 'permission-denied' | 'io-error' | 'scan-error';

export interface ProbeError {
  pid?: number;
  path: string;
  code: ProbeErrorCode;
  message: string;
}

export interface JvmReport {
  probedAt: string;
  processes: JvmProcess[];
  findings: ProcessFinding[];
  restartNeeded: RestartNeeded[];
  flags: MitigationFlag[];
  indicators: ConnectionIndicator[];
  errors: ProbeError[];
}
