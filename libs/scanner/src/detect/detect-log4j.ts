/**
 * Entry point of the detector: one archive's (or one exploded directory's) entry names in,
 * one Detection per copy of log4j out. Names only decide where copies are; a handful of
 * class files and the metadata are read to decide what each copy is.
 *
 * The caller may pre-filter names: it passes at least every name containing "log4j" or
 * "reload4j" (any case), "/core/" or starting with "core/", and META-INF/MANIFEST.MF.
 */
import type { Detection } from '../types';
import { detectCoreRoot, type VersionClaim } from './core.detector';
import type { EntryReader } from './entry-reader';
import {
  fileNameVersion,
  manifestCoreVersion,
  manifestV1,
  readManifest,
  readPoms,
  type Manifest,
  type PomInfo,
} from './metadata.parser';
import { CORE_INTERFACES, groupRoots, type CoreRoot } from './roots.grouping';
import { detectV1Root, isRealV1, type V1Claim } from './v1.detector';

export interface DetectHint {
  /** The archive's own file name (weakest evidence of all). */
  fileName?: string;
}

/**
 * A 2.x root is log4j-core when the core interfaces are there (log4j-api, the bridges and
 * the slf4j bindings have none). Three of the five tolerate a partial exploded copy.
 */
function isCoreRoot(root: CoreRoot): boolean {
  return CORE_INTERFACES.filter((k) => root.classes.has(k)).length >= 3;
}

function coreClaims(
  poms: readonly PomInfo[],
  manifest: Manifest | undefined,
  hint: DetectHint,
): VersionClaim[] {
  const claims: VersionClaim[] = [];
  for (const p of poms) {
    if (p.groupId === 'org.apache.logging.log4j' && p.artifactId === 'log4j-core') {
      claims.push({ source: 'pom.properties', version: p.version });
    }
  }
  const fromManifest = manifestCoreVersion(manifest);
  if (fromManifest) claims.push({ source: 'manifest', version: fromManifest });
  const fromName = fileNameVersion(hint.fileName);
  if (fromName?.artifact === 'log4j-core')
    claims.push({ source: 'file name', version: fromName.version });
  return claims;
}

function v1Claims(
  poms: readonly PomInfo[],
  manifest: Manifest | undefined,
  hint: DetectHint,
): V1Claim[] {
  const claims: V1Claim[] = [];
  for (const p of poms) {
    if (p.groupId === 'ch.qos.reload4j' && p.artifactId === 'reload4j') {
      claims.push({ source: 'pom.properties', flavour: 'reload4j', version: p.version });
    } else if (p.groupId === 'log4j' && p.artifactId === 'log4j') {
      claims.push({ source: 'pom.properties', flavour: 'log4j-1.x', version: p.version });
    }
  }
  const fromManifest = manifestV1(manifest);
  if (fromManifest) claims.push({ source: 'manifest', ...fromManifest });
  const fromName = fileNameVersion(hint.fileName);
  if (fromName?.artifact === 'reload4j')
    claims.push({ source: 'file name', flavour: 'reload4j', version: fromName.version });
  if (fromName?.artifact === 'log4j')
    claims.push({ source: 'file name', flavour: 'log4j-1.x', version: fromName.version });
  return claims;
}

export function detectLog4j(
  names: readonly string[],
  reader: EntryReader,
  hint: DetectHint = {},
): Detection[] {
  const roots = groupRoots(names);
  const coreRoots = roots.core.filter(isCoreRoot);
  const v1Roots = roots.v1.filter(isRealV1);
  if (coreRoots.length === 0 && v1Roots.length === 0) return [];
  const poms = readPoms(names, reader);
  const manifest = readManifest(names, reader);
  const detections: Detection[] = [];
  if (coreRoots.length > 0) {
    const claims = coreClaims(poms, manifest, hint);
    for (const root of coreRoots) detections.push(detectCoreRoot(root, reader, claims));
  }
  if (v1Roots.length > 0) {
    const claims = v1Claims(poms, manifest, hint);
    for (const root of v1Roots) detections.push(detectV1Root(root, reader, claims));
  }
  return detections.sort((a, b) => a.packageRoot.localeCompare(b.packageRoot));
}
