/**
 * log4j 2.x version strings ("2.0-alpha1", "2.0-beta9", "2.0-rc2", "2.0", "2.14.1") parsed
 * into comparable tuples, the list of known releases, and range formatting.
 */

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** 0 alpha, 1 beta, 2 rc, 3 final release. */
  stage: number;
  stageNum: number;
  text: string;
}

const STAGES: Record<string, number> = { alpha: 0, beta: 1, rc: 2 };
const FINAL = 3;
const VERSION_RE = /^(\d+)\.(\d+)(?:\.(\d+))?(?:-(alpha|beta|rc)(\d+))?$/i;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (!m) return undefined;
  const stageName = m[4]?.toLowerCase();
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: m[3] === undefined ? 0 : Number(m[3]),
    stage: stageName === undefined ? FINAL : (STAGES[stageName] ?? FINAL),
    stageNum: m[5] === undefined ? 0 : Number(m[5]),
    text: text.trim(),
  };
}

/** Parses a version written in this file; a typo here is a programming error. */
export function v(text: string): Version {
  const parsed = parseVersion(text);
  if (!parsed) throw new Error(`invalid built-in log4j version "${text}"`);
  return parsed;
}

export function compareVersions(a: Version, b: Version): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    a.stage - b.stage ||
    a.stageNum - b.stageNum
  );
}

export const gte = (a: Version, b: Version): boolean => compareVersions(a, b) >= 0;
export const lt = (a: Version, b: Version): boolean => compareVersions(a, b) < 0;
export const eq = (a: Version, b: Version): boolean => compareVersions(a, b) === 0;
/** a <= x < b */
export const within = (x: Version, a: Version, b: Version): boolean => gte(x, a) && lt(x, b);

/** Every published log4j-core 2.x release up to the newest this table knows. */
// prettier-ignore
export const KNOWN_2X_RELEASES: readonly Version[] = [
  '2.0-alpha1', '2.0-alpha2',
  '2.0-beta1', '2.0-beta2', '2.0-beta3', '2.0-beta4', '2.0-beta5', '2.0-beta6', '2.0-beta7',
  '2.0-beta8', '2.0-beta9', '2.0-rc1', '2.0-rc2', '2.0', '2.0.1', '2.0.2',
  '2.1', '2.2', '2.3', '2.3.1', '2.3.2', '2.4', '2.4.1', '2.5', '2.6', '2.6.1', '2.6.2',
  '2.7', '2.8', '2.8.1', '2.8.2', '2.9.0', '2.9.1', '2.10.0', '2.11.0', '2.11.1', '2.11.2',
  '2.12.0', '2.12.1', '2.12.2', '2.12.3', '2.12.4', '2.13.0', '2.13.1', '2.13.2', '2.13.3',
  '2.14.0', '2.14.1', '2.15.0', '2.16.0', '2.17.0', '2.17.1', '2.17.2', '2.18.0', '2.19.0',
  '2.20.0', '2.21.0', '2.21.1', '2.22.0', '2.22.1', '2.23.0', '2.23.1', '2.24.0', '2.24.1',
  '2.24.2', '2.24.3', '2.25.0', '2.25.1',
].map(v);

/**
 * Formats a set of candidate releases (sorted, from KNOWN_2X_RELEASES) as a range
 * ">=first <next-release-after-last", or ">=first" when the last is the newest known
 * release (later releases share its markers).
 */
export function formatRange(candidates: readonly Version[]): string {
  const first = candidates[0];
  const last = candidates[candidates.length - 1];
  if (!first || !last) return '2.x';
  if (candidates.length === 1) return first.text;
  const next = KNOWN_2X_RELEASES.find((r) => compareVersions(r, last) > 0);
  return next ? `>=${first.text} <${next.text}` : `>=${first.text}`;
}
