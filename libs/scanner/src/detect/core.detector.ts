/**
 * Judges one log4j-core 2.x package root.
 *
 * Version: the class bytes decide. Every known release whose expected markers agree with the
 * markers seen is a candidate; the JndiManager md5 narrows the candidates to exact builds
 * (hashes refine, markers decide: a distribution rebuild has another md5 but the same
 * markers). Only when the bytes leave several candidates do pom.properties, the manifest and
 * finally the archive's file name pick one, and only a version the bytes agree with: a
 * 2.14.1 whose pom says 2.17.1 stays 2.14.1 and the evidence names the lie.
 *
 * Status (the lead's decision):
 * - 'mitigated': JndiLookup was removed from a release that shipped it and that carried a
 *   lookup RCE (CVE-2021-44228 or CVE-2021-45046); the CVEs that removal does not fix
 *   (45105, 44832) stay listed.
 * - 'vulnerable': any CVE of the family applies otherwise, even 44832 alone (2.17.0), as
 *   MergeBase and Logpresso report it.
 * - 'safe': no CVE applies.
 * - 'unknown': the candidates disagree on the status (or none is left), so nothing decides.
 */
import { CVE, type CveId, type Detection, type Status } from '../types';
import { coreCves, STOPPED_BY_JNDILOOKUP_REMOVAL } from './core-cves.rules';
import { markerClassesRead, observeCore, type CoreObservation } from './core-facts.reader';
import { factsAgree, jndiLookupShipped, JNDI_MANAGER_MD5 } from './core-markers.rules';
import type { EntryReader } from './entry-reader';
import type { CoreRoot } from './roots.grouping';
import {
  compareVersions,
  formatRange,
  KNOWN_2X_RELEASES,
  parseVersion,
  type Version,
} from './version.util';

/** A version claim from metadata, weakest last. */
export interface VersionClaim {
  source: string;
  version: string;
}

interface Verdict {
  status: Status;
  cves: CveId[];
  stripped: boolean;
}

function verdictFor(x: Version, jlAbsent: boolean): Verdict {
  const all = coreCves(x);
  const stripped = jlAbsent && jndiLookupShipped(x);
  if (!stripped) return { status: all.length > 0 ? 'vulnerable' : 'safe', cves: all, stripped };
  const left = all.filter((c) => !STOPPED_BY_JNDILOOKUP_REMOVAL.has(c));
  const hadLookupRce = all.some((c) => STOPPED_BY_JNDILOOKUP_REMOVAL.has(c));
  if (hadLookupRce) return { status: 'mitigated', cves: left, stripped };
  return { status: left.length > 0 ? 'vulnerable' : 'safe', cves: left, stripped };
}

const sameVersion = (a: Version, b: Version): boolean => compareVersions(a, b) === 0;

function narrowByMd5(obs: CoreObservation, candidates: Version[], evidence: string[]): Version[] {
  if (!obs.jmMd5) return candidates;
  const builds = JNDI_MANAGER_MD5[obs.jmMd5];
  if (!builds) return candidates;
  const short = obs.jmMd5.slice(0, 8);
  const narrowed = candidates.filter((c) => builds.includes(c.text));
  if (narrowed.length === 0) {
    evidence.push(
      `JndiManager.class md5 ${short}… is ${builds.join('/')}'s but its markers disagree (md5 ignored)`,
    );
    return candidates;
  }
  evidence.push(`JndiManager.class md5 ${short}… = ${builds.join('/')}`);
  return narrowed;
}

/** A metadata version the bytes agree with, or undefined (with evidence for each lie). */
function pickByClaims(
  claims: readonly VersionClaim[],
  obs: CoreObservation,
  candidates: Version[],
  md5Narrowed: boolean,
  evidence: string[],
): Version | undefined {
  for (const claim of claims) {
    const parsed = parseVersion(claim.version);
    const known = parsed && KNOWN_2X_RELEASES.some((r) => sameVersion(r, parsed));
    const agrees =
      parsed !== undefined &&
      (candidates.some((c) => sameVersion(c, parsed)) ||
        (!known && !md5Narrowed && factsAgree(obs.facts, parsed)));
    if (parsed && agrees) {
      evidence.push(
        `${claim.source} version=${claim.version} picked the exact version within the byte range`,
      );
      return parsed;
    }
    evidence.push(`${claim.source} version=${claim.version} contradicts the class bytes (ignored)`);
  }
  return undefined;
}

function describeBytes(obs: CoreObservation, candidates: readonly Version[]): string {
  const read = markerClassesRead(obs.facts);
  const from = read.length > 0 ? `${read.join(', ')} markers` : 'class names only';
  return `class bytes (${from}) => ${candidates.length > 0 ? formatRange(candidates) : 'no known release'}`;
}

function union(verdicts: readonly Verdict[]): CveId[] {
  return [...new Set(verdicts.flatMap((v) => v.cves))].sort();
}

export function detectCoreRoot(
  root: CoreRoot,
  reader: EntryReader,
  claims: readonly VersionClaim[],
): Detection {
  const obs = observeCore(root, reader);
  const byteEvidence: string[] = [];
  let candidates = KNOWN_2X_RELEASES.filter((r) => factsAgree(obs.facts, r));
  const before = candidates.length;
  candidates = narrowByMd5(obs, candidates, byteEvidence);
  byteEvidence.push(describeBytes(obs, candidates));
  const metaEvidence: string[] = [];
  let version: Version | undefined = candidates.length === 1 ? candidates[0] : undefined;
  if (!version && candidates.length > 1) {
    version = pickByClaims(claims, obs, candidates, candidates.length < before, metaEvidence);
  } else if (version) {
    noteClaims(claims, version, metaEvidence);
  }
  const finalSet = version ? [version] : candidates;
  return buildDetection(
    root,
    obs,
    finalSet,
    version !== undefined,
    [...byteEvidence, ...metaEvidence, ...obs.unreadable],
    claims,
  );
}

/** Bytes decided alone: only metadata that disagrees is worth a line. */
function noteClaims(claims: readonly VersionClaim[], version: Version, evidence: string[]): void {
  for (const claim of claims) {
    const parsed = parseVersion(claim.version);
    if (parsed !== undefined && sameVersion(parsed, version)) continue;
    evidence.push(
      `${claim.source} version=${claim.version} (not used: class bytes say ${version.text})`,
    );
  }
}

function buildDetection(
  root: CoreRoot,
  obs: CoreObservation,
  finalSet: readonly Version[],
  exact: boolean,
  evidence: string[],
  claims: readonly VersionClaim[],
): Detection {
  if (finalSet.length === 0) return undecided(root, evidence, claims);
  const verdicts = finalSet.map((x) => verdictFor(x, obs.jlAbsent));
  const statuses = new Set(verdicts.map((v) => v.status));
  const [only] = statuses;
  const status: Status = statuses.size === 1 && only ? only : 'unknown';
  const cves = union(verdicts);
  const lead: string[] = [];
  if (verdicts.every((v) => v.stripped)) {
    lead.push(`JndiLookup.class absent (removed): ${CVE.LOG4SHELL}/${CVE.THREAD_CONTEXT} stopped`);
  } else if (obs.jlAbsent && verdicts.some((v) => v.stripped)) {
    lead.push(
      'JndiLookup.class absent: removed, or a release from before it existed; nothing decides which',
    );
  }
  if (status === 'unknown') lead.push('candidate versions differ in verdict: version undecided');
  const partial = cves.filter((c) => !verdicts.every((v) => v.cves.includes(c)));
  const tail = partial.length > 0 ? [`${partial.join(', ')} only for part of the range`] : [];
  const first = finalSet[0];
  return {
    product: 'log4j-core',
    version: exact && first ? first.text : formatRange(finalSet),
    versionExact: exact,
    status,
    cves,
    evidence: [...lead, ...evidence, ...tail],
    packageRoot: root.root,
  };
}

/** The bytes match no known release: say so, and show what the metadata claims. */
function undecided(root: CoreRoot, evidence: string[], claims: readonly VersionClaim[]): Detection {
  const claim = claims[0];
  return {
    product: 'log4j-core',
    version: claim ? claim.version : '2.x',
    versionExact: false,
    status: 'unknown',
    cves: [],
    evidence: [
      ...evidence,
      ...(claim ? [`version shown is ${claim.source}'s, unconfirmed by the bytes`] : []),
    ],
    packageRoot: root.root,
  };
}
