/**
 * The database's version fields are free text: of ~4,000 items half are '', 570 'All', and the
 * rest mix plain numbers with "1.x", "< 4.3g", "8.0.7 - 8.4.3", "13 through 15", "The following
 * versions and lower: 2021.4", "3.0.0 and older", "stretch, buster, bullseye" or "on-prem".
 * parseVersionSpec reads what can be compared and keeps the rest as text, never guessing.
 */
export type VersionSpec =
  | { kind: 'blank' }
  | { kind: 'all' }
  | { kind: 'exact'; version: string }
  | { kind: 'series'; prefix: string }
  | {
      kind: 'range';
      min?: string;
      minInclusive: boolean;
      max?: string;
      maxInclusive: boolean;
    }
  | { kind: 'set'; items: VersionSpec[] }
  | { kind: 'text'; text: string };

const V = String.raw`v?(\d+(?:\.[0-9a-z]+)*)`;
const ANCHORED_V = new RegExp(`^${V}$`, 'i');

const BLANK = /^(?:|-|n\/?a|none|tbd|unknown)$/i;
const ALL =
  /^(?:all|all versions|all platforms|all products|any|every version|current software and earlier)$/i;

type Rule = [RegExp, (m: RegExpExecArray) => VersionSpec];

const range = (r: Omit<Extract<VersionSpec, { kind: 'range' }>, 'kind'>): VersionSpec => ({
  kind: 'range',
  ...r,
});

const RULES: Rule[] = [
  [
    new RegExp(`^(<=?|>=?|=)\\s*${V}$`, 'i'),
    (m) => {
      const [op, v] = [m[1], m[2]];
      if (op === '=') return { kind: 'exact', version: v };
      return op.startsWith('<')
        ? range({ max: v, maxInclusive: op === '<=', minInclusive: false })
        : range({ min: v, minInclusive: op === '>=', maxInclusive: false });
    },
  ],
  [
    new RegExp(
      `^(?:all versions from\\s+)?${V}(?:\\s+ga)?\\s*(?:-|–|to|through|thru)\\s*${V}$`,
      'i',
    ),
    (m) => range({ min: m[1], minInclusive: true, max: m[2], maxInclusive: true }),
  ],
  [
    new RegExp(
      `^(?:the following versions and lower:|versions? up to|up to|up to and including)\\s*${V}$`,
      'i',
    ),
    (m) => range({ max: m[1], maxInclusive: true, minInclusive: false }),
  ],
  [
    new RegExp(`^(?:versions? )?(?:prior to|before|older than|lower than|below)\\s*${V}$`, 'i'),
    (m) => range({ max: m[1], maxInclusive: false, minInclusive: false }),
  ],
  [
    new RegExp(`^${V}\\s*(?:and|or) (?:older|lower|earlier|below|prior)$`, 'i'),
    (m) => range({ max: m[1], maxInclusive: true, minInclusive: false }),
  ],
  [
    new RegExp(`^${V}\\s*(?:\\+|(?:and|or) (?:later|newer|higher|above|after))$`, 'i'),
    (m) => range({ min: m[1], minInclusive: true, maxInclusive: false }),
  ],
  [new RegExp(`^${V}\\.(?:x|\\*)$`, 'i'), (m) => ({ kind: 'series', prefix: m[1] })],
  [ANCHORED_V, (m) => ({ kind: 'exact', version: m[1] })],
];

const ONLY = /^(?:only\s+)?(?:versions?\s+)?/i;

function parseOne(text: string): VersionSpec {
  const t = text.trim().replace(/\s+/g, ' ');
  if (BLANK.test(t)) return { kind: 'blank' };
  if (ALL.test(t)) return { kind: 'all' };
  const stripped = t.replace(ONLY, '');
  for (const [re, make] of RULES) {
    const m = re.exec(stripped);
    if (m) return make(m);
  }
  return { kind: 'text', text: t };
}

/** Reads one item of a version list. */
export function parseVersionSpec(text: string): VersionSpec {
  const one = parseOne(text);
  if (one.kind !== 'text') return one;
  // "3.3, 3.4, 3.5" or "8.2 8.3 8.4 8.5 and 8.6": a set when every part is a version.
  const parts = one.text.split(/\s*(?:,|;|\band\b|\s)\s*/i).filter((p) => p !== '');
  if (parts.length < 2) return one;
  const items = parts.map(parseOne);
  return items.every((i) => i.kind === 'exact' || i.kind === 'series' || i.kind === 'range')
    ? { kind: 'set', items }
    : one;
}

const PRE_RELEASE = /^(?:alpha|beta|rc|pre|m|milestone|snapshot|dev)$/;

function tokens(v: string): Array<number | string> {
  return (v.toLowerCase().match(/\d+|[a-z]+/g) ?? []).map((t) => (/^\d+$/.test(t) ? Number(t) : t));
}

/**
 * Compares dotted versions token by token (numbers numerically, letters alphabetically), so
 * "4.3g" > "4.3" and "2.10.0" > "2.9.1"; a trailing pre-release word ("2.0-beta9") sorts before
 * the release.
 */
export function compareVersions(a: string, b: string): number {
  const x = tokens(a);
  const y = tokens(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return typeof q === 'string' && PRE_RELEASE.test(q) ? 1 : -1;
    if (q === undefined) return typeof p === 'string' && PRE_RELEASE.test(p) ? -1 : 1;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    if (typeof p === 'number') return 1;
    if (typeof q === 'number') return -1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** "12.1" names a release line: 12.1, 12.1.3 and 12.1-2 are all in it. */
const inLine = (version: string, line: string): boolean =>
  version === line || new RegExp(`^${line.replace(/\./g, '\\.')}(?:[.\\-_ ]|$)`, 'i').test(version);

/** Whether `version` is in what `spec` names: true, false, or undefined when it cannot say. */
export function versionIn(version: string, spec: VersionSpec): boolean | undefined {
  if (!ANCHORED_V.test(version) && !/^\d/.test(version)) return undefined;
  switch (spec.kind) {
    case 'blank':
    case 'text':
      return undefined;
    case 'all':
      return true;
    case 'exact':
      return inLine(version, spec.version);
    case 'series':
      return inLine(version, spec.prefix);
    case 'range': {
      if (spec.min !== undefined) {
        const c = compareVersions(version, spec.min);
        if (c < 0 || (c === 0 && !spec.minInclusive)) return false;
      }
      if (spec.max !== undefined) {
        const c = compareVersions(version, spec.max);
        // An inclusive "up to 2021.4" includes 2021.4.2 of that line.
        if (c > 0 && !(spec.maxInclusive && inLine(version, spec.max))) return false;
        if (c === 0 && !spec.maxInclusive) return false;
      }
      return true;
    }
    case 'set': {
      const answers = spec.items.map((i) => versionIn(version, i));
      if (answers.some((a) => a === true)) return true;
      return answers.every((a) => a === false) ? false : undefined;
    }
  }
}

/**
 * The upstream part of a package version, which is what vendors' advisories name: without a
 * dpkg/rpm epoch ("1:"), the dpkg revision or rpm release ("-1~deb11u1", "-1.el8") and a
 * repack suffix ("+dfsg", "~ds").
 */
export function upstreamVersion(version: string, manager?: 'dpkg' | 'rpm'): string {
  let v = version.trim().replace(/^\d+:/, '');
  if (manager && v.includes('-')) v = v.slice(0, v.lastIndexOf('-'));
  return v.replace(/[+~](?:dfsg|ds|repack|really).*$/i, '');
}
