import {
  covers,
  isUnder,
  type FindingSource,
  type ScanScope,
  type ScopeError,
} from '../scan/scan-scope';

/** Where a remediation's fixed findings were: what its verifying rescan must cover. */
export interface RemediationTargets {
  /** Display paths of the findings (path scope). */
  paths: string[];
  /** Whether one of them was found in a running JVM. */
  processes: boolean;
}

/** A remediation awaiting its proof. */
export interface PendingRemediation {
  id: string;
  hostId: string;
  /** When it succeeded (a remediation recorded by hand: when it was recorded); ISO. */
  at: string;
  /** Null until computed (the remediation's rescan is being queued). */
  targets: RemediationTargets | null;
}

/** A completed scan as the proof reads it. */
export interface CandidateScan {
  id: string;
  /** When its command was created; ISO. */
  createdAt: string;
  scope: ScanScope;
  /** Why it is incomplete, or null. */
  incomplete: string | null;
  errors: readonly ScopeError[];
  findings: ReadonlyArray<{ source: FindingSource; path: string; vulnerable: boolean }>;
}

export type ProofOutcome =
  | { outcome: 'verified' }
  | { outcome: 'failed'; reason: string }
  | { outcome: 'unverified'; reason: string };

/**
 * Whether `scan` proves `remediation`: created after it, complete, covering completely every
 * path and (if any) the running JVMs where the fixed findings were, and finding none of them
 * still vulnerable. A covering scan that still finds one vulnerable fails the remediation;
 * anything less leaves it unverified, with the reason.
 */
export function proveRemediation(
  remediation: PendingRemediation,
  scan: CandidateScan,
): ProofOutcome {
  const unverified = (why: string): ProofOutcome => ({
    outcome: 'unverified',
    reason: `scan ${scan.id} does not verify it: ${why}`,
  });
  if (scan.createdAt <= remediation.at) return unverified('it was created before the remediation');
  const targets = remediation.targets;
  if (!targets) return unverified('the places to verify are not known yet');
  const places = [
    ...targets.paths.map((path) => ({ source: 'path' as const, path })),
    ...(targets.processes ? [{ source: 'process' as const, path: '' }] : []),
  ];
  const still = scan.findings.find(
    (f) =>
      f.vulnerable &&
      places.some(
        (p) => p.source === f.source && (f.source === 'process' || isUnder(f.path, p.path)),
      ),
  );
  if (still)
    return {
      outcome: 'failed',
      reason: `the verification scan ${scan.id} still found vulnerable log4j at ${still.path}`,
    };
  if (scan.incomplete) return unverified(`it is incomplete (${scan.incomplete})`);
  const missed = places.find((p) => !covers(scan.scope, scan.errors, p));
  if (missed)
    return unverified(
      missed.source === 'process'
        ? 'it did not inspect the running JVMs completely'
        : `it did not cover ${missed.path} completely`,
    );
  return { outcome: 'verified' };
}
