/**
 * The log4j-core 2.x byte markers of DETECTION.md, what each release is expected to show
 * for them, and the JndiManager md5 table. A release is a candidate for a copy when every
 * marker observed in the copy agrees with the release's expectation.
 */
import { eq, gte, v, within, type Version } from './version.util';

/** Byte strings searched for in a class file's raw bytes (constant pool entries). */
export const JM_MARKERS = {
  invalidUriOneSpace: 'Invalid JNDI URI - {}',
  invalidUriTwoSpaces: 'Invalid  JNDI URI - {}',
  enableJndi: 'log4j2.enableJndi',
  unsupportedUri: 'Unsupported JNDI URI - {}',
  isJndiEnabled: 'isJndiEnabled',
} as const;
export const JL_MARKERS = {
  enableJndiLookup: 'JNDI must be enabled by setting log4j2.enableJndiLookup=true',
  errorLooking: 'Error looking up JNDI resource [{}].',
  initialContext: 'javax/naming/InitialContext',
  notSupported: 'JNDI is not supported',
} as const;
export const DS_MARKERS = {
  enableJndiJdbc: 'JNDI must be enabled by setting log4j2.enableJndiJdbc=true',
} as const;
export const MPC_MARKERS = {
  noLookups: 'Message Lookups are no longer supported',
} as const;

/** "Invalid JNDI URI - {}" is a prefix of nothing else, but "Invalid  JNDI URI" (two spaces) must not count as one space. */
export type JmMarker = keyof typeof JM_MARKERS | 'oldConstructor';
export type JlMarker = keyof typeof JL_MARKERS;
export type DsMarker = keyof typeof DS_MARKERS;
export type MpcMarker = keyof typeof MPC_MARKERS;

/** What a release shows; also what a copy showed (only the parts that could be observed). */
export interface CoreFacts {
  jmExists: boolean;
  noSqlAppenderExists: boolean;
  setUtilsExists: boolean;
  jm: Record<JmMarker, boolean>;
  jl: Record<JlMarker, boolean>;
  ds: Record<DsMarker, boolean>;
  mpc: Record<MpcMarker, boolean>;
}

/** A copy's observations: a class that is absent or unreadable leaves its markers undefined. */
export interface ObservedCoreFacts {
  jmExists: boolean;
  noSqlAppenderExists: boolean;
  setUtilsExists: boolean;
  jm?: Record<JmMarker, boolean>;
  jl?: Record<JlMarker, boolean>;
  ds?: Record<DsMarker, boolean>;
  mpc?: Record<MpcMarker, boolean>;
}

const V2_1 = v('2.1');
const V2_3_1 = v('2.3.1');
const V2_3_2 = v('2.3.2');
const V2_4 = v('2.4');
const V2_12_2 = v('2.12.2');
const V2_12_3 = v('2.12.3');
const V2_12_4 = v('2.12.4');
const V2_13 = v('2.13.0');
const BETA9 = v('2.0-beta9');

/** Java 6 (2.3.x) and Java 7 (2.12.x) backport lines: a release of the line at or after `from`. */
const line23From = (x: Version, from: Version): boolean => within(x, from, V2_4);
const line12From = (x: Version, from: Version): boolean => within(x, from, V2_13);

export function expectedFacts(x: Version): CoreFacts {
  const enableJndi = line23From(x, V2_3_1) || line12From(x, V2_12_2) || gte(x, v('2.16.0'));
  return {
    jmExists: gte(x, V2_1),
    noSqlAppenderExists: gte(x, v('2.10.0')),
    setUtilsExists: within(x, v('2.2'), v('2.17.0')),
    jm: {
      invalidUriOneSpace:
        line23From(x, V2_3_2) ||
        line12From(x, V2_12_4) ||
        eq(x, v('2.15.0')) ||
        eq(x, v('2.16.0')) ||
        gte(x, v('2.17.1')),
      invalidUriTwoSpaces: eq(x, V2_3_1) || eq(x, V2_12_2) || eq(x, V2_12_3) || eq(x, v('2.17.0')),
      enableJndi,
      isJndiEnabled: enableJndi,
      unsupportedUri: line23From(x, V2_3_1) || line12From(x, V2_12_2) || gte(x, v('2.17.0')),
      oldConstructor:
        within(x, V2_1, v('2.15.0')) && !line23From(x, V2_3_2) && !line12From(x, V2_12_4),
    },
    jl: {
      enableJndiLookup: line23From(x, V2_3_1) || line12From(x, V2_12_3) || gte(x, v('2.17.0')),
      errorLooking: gte(x, V2_1) && !eq(x, V2_12_2),
      initialContext: within(x, BETA9, V2_1),
      notSupported: eq(x, V2_12_2),
    },
    ds: { enableJndiJdbc: line23From(x, V2_3_2) || line12From(x, V2_12_4) || gte(x, v('2.17.1')) },
    mpc: { noLookups: gte(x, v('2.16.0')) },
  };
}

/** JndiLookup ships from 2.0-beta9 on: a copy without it and at or after that was stripped. */
export const jndiLookupShipped = (x: Version): boolean => gte(x, BETA9);

/** Every copy is compared with every known release: compute each release's facts once. */
const FACTS_CACHE = new WeakMap<Version, CoreFacts>();
function cachedFacts(x: Version): CoreFacts {
  let facts = FACTS_CACHE.get(x);
  if (!facts) {
    facts = expectedFacts(x);
    FACTS_CACHE.set(x, facts);
  }
  return facts;
}

function sameMarkers<K extends string>(
  seen: Record<K, boolean> | undefined,
  expected: Record<K, boolean>,
): boolean {
  if (!seen) return true;
  return (Object.keys(expected) as K[]).every((k) => seen[k] === expected[k]);
}

/** True when everything observed in the copy is what release `x` would show. */
export function factsAgree(seen: ObservedCoreFacts, x: Version): boolean {
  const exp = cachedFacts(x);
  return (
    seen.jmExists === exp.jmExists &&
    seen.noSqlAppenderExists === exp.noSqlAppenderExists &&
    seen.setUtilsExists === exp.setUtilsExists &&
    sameMarkers(seen.jm, exp.jm) &&
    sameMarkers(seen.jl, exp.jl) &&
    sameMarkers(seen.ds, exp.ds) &&
    sameMarkers(seen.mpc, exp.mpc)
  );
}

/** MD5 (hex) of JndiManager.class -> the releases that ship exactly those bytes. */
export const JNDI_MANAGER_MD5: Readonly<Record<string, readonly string[]>> = {
  f1d630c48928096a484e4b95ccb162a0: ['2.14.0', '2.14.1'],
  '5d253e53fa993e122ff012221aa49ec3': ['2.15.0'],
  ba1cf8f81e7b31c709768561ba8ab558: ['2.16.0'],
  '3dc5cf97546007be53b2f3d44028fa58': ['2.17.0'],
  '3c3a43af0930a658716b870e66db1569': ['2.17.1'],
  '102cac5b7726457244af1f44e54ff468': ['2.12.2'],
  '5d058c91e71038ed3ba66f29a071994c': ['2.12.3'],
  '909f3304825153542280d20a975d3114': ['2.12.4'],
  '2128ed66f0a5dbc8b5a81ec2376dfea0': ['2.3.1'],
  a796bc9b7a227ec08e229b09ff0c1ff1: ['2.3.2'],
};
