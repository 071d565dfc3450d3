/**
 * Groups an archive's entry names into package roots: the path prefix in front of a log4j
 * package, so that shaded, relocated and repeated copies in one archive are judged apart.
 * Works on names only.
 */
import { stripClassExt } from './entry-reader';

export type CoreKey =
  | 'LogEvent'
  | 'Appender'
  | 'Filter'
  | 'Layout'
  | 'LoggerContext'
  | 'jm'
  | 'jl'
  | 'ds'
  | 'mpc'
  | 'noSql'
  | 'setUtils';

/** Class paths relative to a 2.x package root (the prefix before `core/`). */
const CORE_SUFFIXES: Readonly<Record<CoreKey, string>> = {
  LogEvent: 'core/LogEvent',
  Appender: 'core/Appender',
  Filter: 'core/Filter',
  Layout: 'core/Layout',
  LoggerContext: 'core/LoggerContext',
  jm: 'core/net/JndiManager',
  jl: 'core/lookup/JndiLookup',
  ds: 'core/appender/db/jdbc/DataSourceConnectionSource',
  mpc: 'core/pattern/MessagePatternConverter',
  noSql: 'core/appender/nosql/NoSqlAppender',
  setUtils: 'core/util/SetUtils',
};

export const CORE_INTERFACES: readonly CoreKey[] = [
  'LogEvent',
  'Appender',
  'Filter',
  'Layout',
  'LoggerContext',
];

/**
 * Class paths relative to a 1.x root (the prefix ending in `log4j/`) that anchor a root: only
 * real 1.x has them (log4j-api has a Logger, log4j-over-slf4j a Category and a Logger).
 */
const V1_ANCHORS = [
  'Hierarchy',
  'DailyRollingFileAppender',
  'helpers/PatternParser',
  'net/SocketNode',
  'spi/RootLogger',
] as const;

export interface CoreRoot {
  root: string;
  /** Entry name of each marker class found under this root. */
  classes: Map<CoreKey, string>;
}

export interface V1Root {
  root: string;
  /** Class paths relative to the root, extension stripped ("net/JMSAppender"), to entry name. */
  classes: Map<string, string>;
}

type Matcher = { kind: 'core'; key: CoreKey; suffix: string } | { kind: 'v1'; suffix: string };

/** Simple class name -> the marker paths ending in it: one map lookup per name is the hot path. */
const BY_SIMPLE = new Map<string, Matcher[]>();
function addMatcher(m: Matcher): void {
  const simple = m.suffix.slice(m.suffix.lastIndexOf('/') + 1);
  BY_SIMPLE.set(simple, [...(BY_SIMPLE.get(simple) ?? []), m]);
}
for (const key of Object.keys(CORE_SUFFIXES) as CoreKey[]) {
  addMatcher({ kind: 'core', key, suffix: CORE_SUFFIXES[key] });
}
for (const anchor of V1_ANCHORS) addMatcher({ kind: 'v1', suffix: anchor });

/** The prefix in front of `suffix` when `base` ends with it at a path-segment boundary. */
function prefixBefore(base: string, suffix: string): string | undefined {
  if (!base.endsWith(suffix)) return undefined;
  const cut = base.length - suffix.length;
  if (cut > 0 && base[cut - 1] !== '/') return undefined;
  return base.slice(0, cut);
}

/** Marker matches of one entry name; undefined (no allocation) for the usual non-marker. */
function matchName(name: string): { base: string; hits: Matcher[] } | undefined {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return undefined;
  const hits = BY_SIMPLE.get(name.slice(name.lastIndexOf('/') + 1, dot));
  if (!hits) return undefined;
  const base = stripClassExt(name);
  return base === undefined ? undefined : { base, hits };
}

export interface Roots {
  core: CoreRoot[];
  v1: V1Root[];
}

/** One pass over the names: 2.x roots with their marker classes, 1.x candidate roots. */
export function groupRoots(names: readonly string[]): Roots {
  const core = new Map<string, CoreRoot>();
  const v1Names = new Set<string>();
  for (const name of names) {
    const m = matchName(name);
    if (!m) continue;
    for (const hit of m.hits) {
      const root = prefixBefore(m.base, hit.suffix);
      if (root === undefined) continue;
      if (hit.kind === 'v1') {
        if (root.endsWith('log4j/')) v1Names.add(root);
        continue;
      }
      const entry = core.get(root) ?? { root, classes: new Map<CoreKey, string>() };
      if (!entry.classes.has(hit.key) || name.endsWith('.class')) entry.classes.set(hit.key, name);
      core.set(root, entry);
    }
  }
  return { core: [...core.values()], v1: collectV1(names, v1Names) };
}

/** Every class under each 1.x candidate root (a second pass, only when there are such roots). */
function collectV1(names: readonly string[], rootNames: ReadonlySet<string>): V1Root[] {
  const roots = [...rootNames].map((root): V1Root => ({
    root,
    classes: new Map<string, string>(),
  }));
  if (roots.length === 0) return roots;
  for (const name of names) {
    const base = stripClassExt(name);
    if (base === undefined) continue;
    for (const r of roots) {
      if (base.startsWith(r.root)) r.classes.set(base.slice(r.root.length), name);
    }
  }
  return roots;
}

export const groupCoreRoots = (names: readonly string[]): CoreRoot[] => groupRoots(names).core;
export const groupV1Roots = (names: readonly string[]): V1Root[] => groupRoots(names).v1;
