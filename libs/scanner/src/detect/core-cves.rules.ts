/**
 * Which CVEs of the Log4Shell family hit a log4j-core 2.x release (DETECTION.md's table and
 * the fixed-in versions of the 2.3.x / 2.12.x backport lines).
 */
import { CVE, type CveId } from '../types';
import { gte, lt, v, within, type Version } from './version.util';

const V2_3_1 = v('2.3.1');
const V2_3_2 = v('2.3.2');
const V2_4 = v('2.4');
const V2_12_2 = v('2.12.2');
const V2_12_3 = v('2.12.3');
const V2_12_4 = v('2.12.4');
const V2_13 = v('2.13.0');

interface CveRule {
  cve: CveId;
  /** First affected release. */
  from: Version;
  /** First release of the main line that is fixed. */
  fixed: Version;
  /** Releases of the 2.3.x and 2.12.x lines from which the CVE is fixed there. */
  fixedIn23: Version;
  fixedIn212: Version;
}

const RULES: readonly CveRule[] = [
  {
    cve: CVE.LOG4SHELL,
    from: v('2.0-beta9'),
    fixed: v('2.15.0'),
    fixedIn23: V2_3_1,
    fixedIn212: V2_12_2,
  },
  {
    cve: CVE.THREAD_CONTEXT,
    from: v('2.0-beta9'),
    fixed: v('2.16.0'),
    fixedIn23: V2_3_1,
    fixedIn212: V2_12_2,
  },
  {
    cve: CVE.RECURSION_DOS,
    from: v('2.0-alpha1'),
    fixed: v('2.17.0'),
    fixedIn23: V2_3_1,
    fixedIn212: V2_12_3,
  },
  {
    cve: CVE.JDBC_JNDI,
    from: v('2.0-beta7'),
    fixed: v('2.17.1'),
    fixedIn23: V2_3_2,
    fixedIn212: V2_12_4,
  },
];

function fixedOnBackportLine(x: Version, rule: CveRule): boolean {
  return within(x, rule.fixedIn23, V2_4) || within(x, rule.fixedIn212, V2_13);
}

/** The CVEs that apply to release `x`, sorted. */
export function coreCves(x: Version): CveId[] {
  return RULES.filter((r) => gte(x, r.from) && lt(x, r.fixed) && !fixedOnBackportLine(x, r))
    .map((r) => r.cve)
    .sort();
}

/** The CVEs that removing JndiLookup.class stops (the lookup is their only path). */
export const STOPPED_BY_JNDILOOKUP_REMOVAL: ReadonlySet<CveId> = new Set([
  CVE.LOG4SHELL,
  CVE.THREAD_CONTEXT,
]);
