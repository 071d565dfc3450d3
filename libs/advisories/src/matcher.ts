import { ALIASES } from './aliases';
import { comparableVersion, type SoftwareItem } from './software';
import type { AdvisoryDatabase, AdvisoryEntry, CveEntry, DatabaseCve, EntryStatus } from './types';
import { compareVersions, parseVersionSpec, type VersionSpec, versionIn } from './versions';

/**
 * How sure a match is: `alias` from the curated table (aliases.ts), `exact` when the names
 * are equal once case and punctuation are gone, `fuzzy` when they are equal only after
 * dropping packaging words (lib-, -java, -server, a trailing major number).
 */
export type MatchConfidence = 'alias' | 'exact' | 'fuzzy';

/** Where the host's version falls in the entry's lists, as written; never a verdict. */
export type VersionVerdict =
  | 'in-affected-list'
  | 'in-fixed-list'
  | 'in-unaffected-list'
  | 'below-fixed'
  | 'at-or-above-fixed'
  | 'not-listed'
  | 'not-comparable';

export interface CveAdvice {
  cve: DatabaseCve;
  status: EntryStatus;
  investigated: boolean | null;
  affected: string[];
  fixed: string[];
  unaffected: string[];
  versionVerdict: VersionVerdict;
  /** The list item that decided the verdict, as written. */
  decidedBy: string | null;
}

export interface AdvisoryMatch {
  software: SoftwareItem;
  entry: Omit<AdvisoryEntry, 'cves'>;
  confidence: MatchConfidence;
  /** Why it matched, e.g. 'alias: liblog4j2-java -> Apache / Log4j 2.x'. */
  reason: string;
  /** The entry's status for CVE-2021-44228, the CVE CISA's list is about. */
  status: EntryStatus;
  cves: CveAdvice[];
  /** One sentence for a human: always "check with the vendor". */
  advice: string;
}

const key = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

// Product names that say nothing on their own ("All", "Server" ...): never matched by name.
const GENERIC = new Set([
  '',
  'all',
  'allproducts',
  'server',
  'agent',
  'client',
  'cloud',
  'core',
  'platform',
  'products',
  'software',
  'suite',
  'manager',
  'console',
  'portal',
  'gateway',
  'app',
  'api',
  'web',
  'java',
]);
const MIN_NAME = 4;

/** Packaging words around a product name: liblog4j2-java, tomcat9, graylog-server, foo-bin. */
function stripped(name: string): string {
  return key(
    name
      .toLowerCase()
      .replace(/^lib/, '')
      .replace(/[-_.](?:java|server|bin|common|core|oss|daemon|client|cli|tools|utils|data)$/g, '')
      .replace(/\d+$/, ''),
  );
}

function push<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}

/** Matches installed software against the database: build once, match many hosts. */
export class AdvisoryMatcher {
  private readonly byAlias = new Map<
    string,
    Array<{ entry: AdvisoryEntry; versions?: VersionSpec }>
  >();
  private readonly byName = new Map<string, AdvisoryEntry[]>();
  private readonly byStripped = new Map<string, AdvisoryEntry[]>();

  constructor(readonly db: AdvisoryDatabase) {
    for (const alias of ALIASES) {
      const targets = db.entries.filter(
        (e) => e.vendor === alias.vendor && e.product === alias.product,
      );
      const versions = alias.versions === undefined ? undefined : parseVersionSpec(alias.versions);
      for (const name of alias.names)
        for (const entry of targets) push(this.byAlias, name, { entry, versions });
    }
    for (const e of db.entries) {
      const product = key(e.product);
      if (!GENERIC.has(product) && product.length >= MIN_NAME) {
        push(this.byName, product, e);
        // "Red Hat Data Grid" is "Data Grid" of Red Hat.
        const withoutVendor = key(
          e.product.replace(new RegExp(`^${escape(e.vendor)}\\s+`, 'i'), ''),
        );
        if (
          withoutVendor !== product &&
          withoutVendor.length >= MIN_NAME &&
          !GENERIC.has(withoutVendor)
        )
          push(this.byStripped, withoutVendor, e);
      } else if (GENERIC.has(product) && key(e.vendor).length >= MIN_NAME + 1) {
        // A vendor-wide entry ("Ghidra / All", "Minecraft / ''") answers for the vendor's name.
        push(this.byStripped, key(e.vendor), e);
      }
    }
  }

  /** Every entry that may concern `item`, most certain first; each entry once. */
  matchOne(item: SoftwareItem): AdvisoryMatch[] {
    const seen = new Set<number>();
    const out: AdvisoryMatch[] = [];
    const add = (
      entries: AdvisoryEntry[] | undefined,
      confidence: MatchConfidence,
      via: string,
    ) => {
      for (const e of entries ?? []) {
        if (seen.has(e.index)) continue;
        seen.add(e.index);
        out.push(
          this.advise(
            item,
            e,
            confidence,
            `${confidence}: ${via} -> ${e.vendor} / ${e.product || "''"}`,
          ),
        );
      }
    };
    const names = [item.name, item.sourcePackage].filter((n): n is string => !!n);
    const version = comparableVersion(item);
    for (const n of names) {
      const aliases = (this.byAlias.get(n.toLowerCase()) ?? []).filter(
        (a) => !a.versions || !version || versionIn(version, a.versions) !== false,
      );
      add(
        aliases.map((a) => a.entry),
        'alias',
        n,
      );
    }
    for (const n of names) add(this.byName.get(key(n)), 'exact', n);
    for (const n of names) {
      const s = stripped(n);
      if (s.length < MIN_NAME + 1 || GENERIC.has(s)) continue;
      add(this.byName.get(s), 'fuzzy', n);
      add(this.byStripped.get(s), 'fuzzy', n);
    }
    return out;
  }

  match(items: readonly SoftwareItem[]): AdvisoryMatch[] {
    return items.flatMap((i) => this.matchOne(i));
  }

  private advise(
    item: SoftwareItem,
    e: AdvisoryEntry,
    confidence: MatchConfidence,
    reason: string,
  ): AdvisoryMatch {
    const version = comparableVersion(item);
    const cves = e.cves.map((c) => cveAdvice(c, version));
    const main = cves.find((c) => c.cve === 'CVE-2021-44228') ?? cves[0];
    const { cves: _omit, ...entry } = e;
    return {
      software: item,
      entry,
      confidence,
      reason,
      status: main.status,
      cves,
      advice: adviceText(item, e, main, confidence),
    };
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function listed(version: string, items: string[]): { in: string | null; comparable: boolean } {
  let comparable = false;
  for (const text of items) {
    const answer = versionIn(version, parseVersionSpec(text));
    if (answer === true) return { in: text, comparable: true };
    if (answer === false) comparable = true;
  }
  return { in: null, comparable };
}

/**
 * The host's version against one CVE's lists. When it is in none, a single plain fixed version
 * of the same release line (same major, else same major.minor) still tells below or above.
 */
export function cveAdvice(c: CveEntry, version: string): CveAdvice {
  const base = {
    cve: c.cve,
    status: c.status,
    investigated: c.investigated,
    affected: c.affected,
    fixed: c.fixed,
    unaffected: c.unaffected,
  };
  if (!version) return { ...base, versionVerdict: 'not-comparable', decidedBy: null };
  let comparable = false;
  for (const [list, verdict] of [
    [c.affected, 'in-affected-list'],
    [c.fixed, 'in-fixed-list'],
    [c.unaffected, 'in-unaffected-list'],
  ] as const) {
    const r = listed(version, list);
    if (r.in !== null) return { ...base, versionVerdict: verdict, decidedBy: r.in };
    comparable ||= r.comparable;
  }
  const fix = sameLineFix(version, c.fixed);
  if (fix)
    return {
      ...base,
      versionVerdict: compareVersions(version, fix) < 0 ? 'below-fixed' : 'at-or-above-fixed',
      decidedBy: fix,
    };
  return { ...base, versionVerdict: comparable ? 'not-listed' : 'not-comparable', decidedBy: null };
}

function sameLineFix(version: string, fixed: string[]): string | undefined {
  const plain = fixed.map(parseVersionSpec).flatMap((s) => (s.kind === 'exact' ? [s.version] : []));
  const parts = (v: string, n: number) => v.split('.').slice(0, n).join('.');
  for (const n of [1, 2]) {
    const same = plain.filter((f) => parts(f, n) === parts(version, n));
    if (same.length === 1) return same[0];
  }
  return undefined;
}

const STATUS_TEXT: Record<EntryStatus, string> = {
  affected: 'lists as affected',
  fixed: 'lists with a fix',
  'not-affected': 'lists as not affected',
  unknown: 'has no status for',
};

const VERDICT_TEXT: Record<VersionVerdict, (v: string, by: string | null) => string> = {
  'in-affected-list': (v, by) => `version ${v} is under its affected versions ("${by}")`,
  'in-fixed-list': (v, by) => `version ${v} is under its fixed versions ("${by}")`,
  'in-unaffected-list': (v, by) => `version ${v} is under its unaffected versions ("${by}")`,
  'below-fixed': (v, by) => `version ${v} is below the fixed version ${by}`,
  'at-or-above-fixed': (v, by) => `version ${v} is at or above the fixed version ${by}`,
  'not-listed': (v) => `version ${v} is in none of its version lists`,
  'not-comparable': (v) =>
    v ? `its version lists cannot be compared with ${v}` : 'no version is known',
};

function adviceText(
  item: SoftwareItem,
  e: AdvisoryEntry,
  main: CveAdvice,
  confidence: MatchConfidence,
): string {
  const product = `${e.vendor} ${e.product}`.trim();
  const sure =
    confidence === 'fuzzy' ? ' (a fuzzy name match: confirm it is the same product)' : '';
  const link = e.vendorLinks[0] ? ` (${e.vendorLinks[0]})` : '';
  return (
    `CISA's list ${STATUS_TEXT[main.status]} ${main.cve} in ${product}${sure}; ` +
    `${VERDICT_TEXT[main.versionVerdict](comparableVersion(item), main.decidedBy)}. ` +
    `Check with the vendor${link}; the jar scan, not this list, says whether a log4j copy on the host is vulnerable.`
  );
}
