import type { Finding, ScanError, ScanLimits, Status } from '@log4fleet/scanner';

/** Why a copy of log4j is left as it is. */
export type RefusalCode =
  /** Only CVE-2021-45105 / CVE-2021-44832 apply: removing JndiLookup fixes neither. */
  | 'upgrade-needed'
  /** JndiLookup is already gone. */
  | 'already-mitigated'
  /** log4j 1.x has no JndiLookup; its CVE classes go only with `log4j1`. */
  | 'log4j1'
  /** The copy sits in a signed jar and signatures may not be stripped. */
  | 'signed'
  /** The detector could not decide the version: nothing tells what a removal would fix. */
  | 'undecided';

export const REFUSAL_CODES: readonly RefusalCode[] = [
  'upgrade-needed',
  'already-mitigated',
  'log4j1',
  'signed',
  'undecided',
];

/** What happens (or happened) to one copy of log4j inside the file. */
export interface CopyPlan {
  /** The copy's location: outer file, then entry names of the archives around it. */
  chain: string[];
  path: string;
  packageRoot: string;
  product: Finding['product'];
  version: string;
  status: Status;
  cves: string[];
  action: 'fix' | 'refused' | 'none';
  /** Entry names (in the archive at `chain`) that the fix removes. */
  remove: string[];
  refusal?: { code: RefusalCode; reason: string };
}

/**
 * One file's outcome:
 * - fixed: the new file is in place, every planned class is gone (checked by reading it back);
 * - would-fix: dry run, the plan says what a fix would remove;
 * - refused: copies of log4j, none that a removal fixes (each copy says why);
 * - nothing-to-do: no vulnerable copy;
 * - failed: an error (the original is untouched, `message` says what).
 */
export type FixOutcome = 'fixed' | 'would-fix' | 'refused' | 'nothing-to-do' | 'failed';

/** A process that still holds the replaced file: it runs the old classes until restarted. */
export interface Holder {
  pid: number;
  command?: string;
  /** 'fd' (an open file descriptor) or 'mapped' (/proc/PID/maps). */
  via: 'fd' | 'mapped';
}

export interface FixResult {
  /** The path as given. */
  path: string;
  /** The real file fixed (differs from `path` behind a symlink). */
  target: string;
  outcome: FixOutcome;
  message: string;
  copies: CopyPlan[];
  /** Scanner verdicts before the fix. */
  before: Finding[];
  /** Scanner verdicts of the new file (absent unless fixed). */
  after?: Finding[];
  /** Scan errors of the original: parts of the file that could not be read. */
  errors: ScanError[];
  /** Chain paths of the entries removed. */
  removed: string[];
  /** Signature files removed and manifests whose digests were dropped (strip-signatures). */
  signaturesStripped: string[];
  sha256Before?: string;
  sha256After?: string;
  backup?: { operationId: string; dir: string };
  /** Processes that hold the old file: restart needed. */
  restartNeeded: Holder[];
}

export interface FixOptions {
  dryRun?: boolean;
  stripSignatures?: boolean;
  /** Also remove the classes of the log4j 1.x CVEs (JMSAppender, SocketServer, ...). */
  log4j1?: boolean;
  /** Where backups go: `<stateDir>/remediation/<operationId>/`. */
  stateDir: string;
  /** The command id (from the controller) or a generated one. */
  operationId?: string;
  limits?: Partial<ScanLimits>;
  /** Where /proc is (tests). */
  procRoot?: string;
  /** Scratch files of nested rewrites. Default: the OS temp directory. */
  tempDir?: string;
}

export type RestoreOutcome = 'restored' | 'refused' | 'nothing-to-do' | 'failed';

export interface RestoreResult {
  path: string;
  target: string;
  outcome: RestoreOutcome;
  message: string;
  operationId?: string;
  sha256?: string;
}

export interface RestoreOptions {
  stateDir: string;
  /** Restore even when the file changed since the fix. */
  force?: boolean;
  /** Restore from this operation only (default: the latest backup of each path). */
  operationId?: string;
}
