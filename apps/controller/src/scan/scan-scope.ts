import type { ScanParams } from './scan.kind';

/**
 * What a scan covered, and so which earlier findings it may replace: each finding is owned by
 * the scope that produced it, a path under a scan root (`path`) or a running JVM (`process`).
 * Paths are in the text form of common/path-text.ts, as findings show them.
 */
export interface ScanScope {
  /** Absolute roots of the filesystem walk; empty for a processes-only scan. */
  roots: string[];
  /** Whether the running JVMs were inspected. */
  processes: boolean;
  /** Prefix excludes (no glob): paths under them were not looked at. */
  excludes: string[];
  /** Glob excludes: which paths they skipped is not known here, so no path is covered for sure. */
  globExcludes: string[];
}

export const FINDING_SOURCES = ['path', 'process'] as const;
export type FindingSource = (typeof FINDING_SOURCES)[number];

export const SCAN_COMPLETENESS = ['unfinished', 'complete', 'incomplete'] as const;
export type ScanCompleteness = (typeof SCAN_COMPLETENESS)[number];

/** The agent marks a copy found in a running JVM with this evidence (apps/agent process-scan.ts). */
const PROCESS_EVIDENCE = 'running in JVM ';
/** A running-JVM probe error names its process (apps/agent process-scan.ts probeErrorToScanError). */
const PROCESS_ERROR = /^pid \d+: /;
const GLOB_CHARS = /[*?[\]{}!]/;

export function findingSource(evidence: readonly string[]): FindingSource {
  return evidence.some((e) => e.startsWith(PROCESS_EVIDENCE)) ? 'process' : 'path';
}

/** A root without its trailing slashes ("/" stays "/"). */
function normalRoot(root: string): string {
  return root.length > 1 ? root.replace(/\/+$/, '') || '/' : root;
}

/** The scope of a scan command's parameters (empty paths: "/", as the agent reads them). */
export function scopeOf(params: ScanParams): ScanScope {
  const roots = params.processesOnly
    ? []
    : (params.paths.length > 0 ? params.paths : ['/']).map(normalRoot);
  return {
    roots,
    processes: params.processesOnly || params.processes,
    excludes: params.exclude.filter((e) => e.trim() !== '' && !GLOB_CHARS.test(e)).map(normalRoot),
    globExcludes: params.exclude.filter((e) => GLOB_CHARS.test(e)),
  };
}

/** Whether `path` is `prefix` or lies under it (a directory, or an archive's entries after "!/"). */
export function isUnder(path: string, prefix: string): boolean {
  if (prefix === '/') return path.startsWith('/');
  return path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}!/`);
}

/** A scan error as coverage needs it: where, and whether it is a running-JVM probe's. */
export interface ScopeError {
  path: string;
  message: string;
}

/**
 * Why a finished scan is incomplete, or null when it covered its whole scope: a root that does
 * not exist or cannot be read (an error on the root itself or above it), a relative root (from
 * before they were refused: it names no place for sure), or a processes-only scan whose probe
 * failed somewhere.
 */
export function incompleteReason(scope: ScanScope, errors: readonly ScopeError[]): string | null {
  const relative = scope.roots.find((r) => !r.startsWith('/'));
  if (relative !== undefined) return `root ${relative} is not an absolute path`;
  for (const e of errors) {
    if (!e.path.startsWith('/')) continue;
    const root = scope.roots.find((r) => isUnder(r, e.path));
    if (root !== undefined) return `root ${root} could not be read: ${e.message}`;
  }
  if (scope.roots.length === 0 && errors.length > 0)
    return `running JVMs could not all be inspected: ${errors[0].message}`;
  return null;
}

/**
 * Whether a complete scan of `scope` looked at this finding's place completely: a process
 * finding when the JVMs were inspected without a probe error; a path finding under a root, not
 * excluded, and with no error of the scan on it, above it or inside it.
 */
export function covers(
  scope: ScanScope,
  errors: readonly ScopeError[],
  finding: { source: FindingSource; path: string },
): boolean {
  if (finding.source === 'process')
    return scope.processes && !errors.some((e) => PROCESS_ERROR.test(e.message));
  if (scope.globExcludes.length > 0) return false;
  if (!scope.roots.some((r) => r.startsWith('/') && isUnder(finding.path, r))) return false;
  if (scope.excludes.some((x) => isUnder(finding.path, x))) return false;
  return !errors.some(
    (e) =>
      e.path.startsWith('/') && (isUnder(finding.path, e.path) || isUnder(e.path, finding.path)),
  );
}

/** Stored form of a scope (scan_runs.scope). */
export function scopeToJson(scope: ScanScope): string {
  return JSON.stringify(scope);
}

export function scopeFromJson(text: string | null): ScanScope {
  const empty: ScanScope = { roots: [], processes: false, excludes: [], globExcludes: [] };
  if (!text) return empty;
  try {
    return { ...empty, ...(JSON.parse(text) as Partial<ScanScope>) };
  } catch {
    return empty;
  }
}
