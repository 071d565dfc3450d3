/**
 * Exclude globs, matched in O(path length x pattern length) whatever the pattern: no regular
 * expression, and the classic greedy matcher that backtracks only to the last star (one
 * level for `*` inside a path segment, one for `**` across segments). minimatch compiles a
 * glob to a backtracking RegExp: `*a*a*a*a*a*a*a*a*b` over a name of 200 `a`s never returned
 * and froze the agent (issue 12, M1).
 *
 * Semantics are minimatch's with { dot: true } for what this grammar has: `*` (any characters
 * but `/`; a lone `*` needs at least one), `?` (one character), `[...]` classes (ranges, `!`/`^`
 * negation, POSIX `[:alpha:]`), `\` escapes, `{a,b}` and `{1..3}` alternatives, `**` as a
 * whole segment (any number of segments; at the end of a pattern at least one). Leading `!`
 * (negation) and extglobs (`+(a|b)`, `@(...)`, ...) are refused with an error.
 */

export const MAX_EXCLUDE_PATTERNS = 256;
export const MAX_EXCLUDE_PATTERN_CHARS = 4096;
/** Alternatives one pattern may expand to through braces (`{a,b}{c,d}` is 4). */
export const MAX_BRACE_ALTERNATIVES = 256;

/** Exclude patterns the scanner refuses; the message names the pattern. */
export class InvalidExcludePattern extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidExcludePattern';
  }

  static of(pattern: string, reason: string): InvalidExcludePattern {
    const shown = pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern;
    return new InvalidExcludePattern(
      `Invalid exclude pattern ${JSON.stringify(shown)}: ${reason}.`,
    );
  }
}

const STAR = -1;
const ANY = -2;
interface CharClass {
  negated: boolean;
  ranges: Array<[number, number]>;
  named: RegExp[];
}
/** A code point to match literally, STAR, ANY (`?`), or a class. */
type CharToken = number | CharClass;
const GLOBSTAR = 'globstar';
/** Matches any one segment: what a trailing `**` must consume at least. */
const ANY_SEGMENT = 'any-segment';
type SegmentToken = CharToken[] | typeof GLOBSTAR | typeof ANY_SEGMENT;

const POSIX_CLASSES: Readonly<Record<string, RegExp>> = {
  alnum: /[\p{L}\p{Nl}\p{Nd}]/u,
  alpha: /[\p{L}\p{Nl}]/u,
  ascii: /[\x00-\x7f]/,
  blank: /[\p{Zs}\t]/u,
  cntrl: /\p{Cc}/u,
  digit: /\p{Nd}/u,
  graph: /[^\p{Z}\p{C}]/u,
  lower: /\p{Ll}/u,
  print: /[^\p{C}]/u,
  punct: /\p{P}/u,
  space: /[\p{Z}\t\r\n\v\f]/u,
  upper: /\p{Lu}/u,
  word: /[\p{L}\p{Nl}\p{Nd}\p{Pc}]/u,
  xdigit: /[A-Fa-f0-9]/,
};

function classMatches(c: CharClass, cp: number): boolean {
  let hit = c.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
  if (!hit && c.named.length > 0) {
    const ch = String.fromCodePoint(cp);
    hit = c.named.some((re) => re.test(ch));
  }
  return hit !== c.negated;
}

function tokenMatches(t: CharToken, cp: number): boolean {
  if (t === ANY) return true;
  if (typeof t === 'number') return t === cp;
  return classMatches(t, cp);
}

/** Parses `[...]` starting at chars[at] === '['; undefined when it is not closed (a literal '['). */
function parseClass(
  chars: string[],
  at: number,
  pattern: string,
): { cls: CharClass; next: number } | undefined {
  let i = at + 1;
  const cls: CharClass = { negated: false, ranges: [], named: [] };
  if (chars[i] === '!' || chars[i] === '^') {
    cls.negated = true;
    i++;
  }
  const first = i;
  while (i < chars.length) {
    const ch = chars[i];
    if (ch === ']' && i > first) return { cls, next: i + 1 };
    if (ch === '[' && chars[i + 1] === ':') {
      const close = chars.indexOf(':', i + 2);
      if (close > 0 && chars[close + 1] === ']') {
        const name = chars.slice(i + 2, close).join('');
        const re = POSIX_CLASSES[name];
        if (!re) throw InvalidExcludePattern.of(pattern, `unknown character class [:${name}:]`);
        cls.named.push(re);
        i = close + 2;
        continue;
      }
    }
    let lo = ch;
    if (lo === '\\' && i + 1 < chars.length) lo = chars[++i];
    i++;
    if (chars[i] === '-' && i + 1 < chars.length && chars[i + 1] !== ']') {
      let hi = chars[i + 1];
      i += 2;
      if (hi === '\\' && i < chars.length) hi = chars[i++];
      cls.ranges.push([lo.codePointAt(0) ?? 0, hi.codePointAt(0) ?? 0]);
      continue;
    }
    const cp = lo.codePointAt(0) ?? 0;
    cls.ranges.push([cp, cp]);
  }
  return undefined;
}

function compileSegment(segment: string, pattern: string): CharToken[] {
  const chars = Array.from(segment);
  const out: CharToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '*') {
      if (out[out.length - 1] !== STAR) out.push(STAR);
    } else if (ch === '?') {
      out.push(ANY);
    } else if (ch === '[') {
      const parsed = parseClass(chars, i, pattern);
      if (parsed) {
        out.push(parsed.cls);
        i = parsed.next - 1;
      } else {
        out.push(0x5b);
      }
    } else if (ch === '\\' && i + 1 < chars.length) {
      out.push(chars[++i].codePointAt(0) ?? 0);
    } else {
      out.push(ch.codePointAt(0) ?? 0);
    }
  }
  return out;
}

/** Width in UTF-16 units of the character at `i`: a star skips whole characters. */
function widthAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
}

/** Greedy match of s[start, end) with backtracking to the last star only: O(segment x tokens). */
function matchSegment(
  tokens: readonly CharToken[],
  s: string,
  start: number,
  end: number,
): boolean {
  // minimatch: a lone `*` does not match an empty segment (`/r/*` does not match `/r/`).
  if (start === end) return tokens.length === 0;
  let ti = 0;
  let si = start;
  let starTi = -1;
  let starSi = start;
  while (si < end) {
    const t = tokens[ti];
    if (ti < tokens.length && t !== STAR && tokenMatches(t, s.codePointAt(si) ?? 0)) {
      ti++;
      si += widthAt(s, si);
    } else if (t === STAR) {
      starTi = ti++;
      starSi = si;
    } else if (starTi >= 0) {
      ti = starTi + 1;
      starSi += widthAt(s, starSi);
      si = starSi;
    } else {
      return false;
    }
  }
  while (tokens[ti] === STAR) ti++;
  return ti === tokens.length;
}

/**
 * The same greedy algorithm one level up: `**` is the star, a path segment the character.
 * `bounds` holds each segment's start and end in `path`.
 */
function matchSegments(
  tokens: readonly SegmentToken[],
  path: string,
  bounds: readonly number[],
): boolean {
  const count = bounds.length / 2;
  let ti = 0;
  let si = 0;
  let starTi = -1;
  let starSi = 0;
  while (si < count) {
    const t = tokens[ti];
    if (
      ti < tokens.length &&
      t !== GLOBSTAR &&
      (t === ANY_SEGMENT || matchSegment(t, path, bounds[2 * si], bounds[2 * si + 1]))
    ) {
      ti++;
      si++;
    } else if (t === GLOBSTAR) {
      starTi = ti++;
      starSi = si;
    } else if (starTi >= 0) {
      ti = starTi + 1;
      si = ++starSi;
    } else {
      return false;
    }
  }
  while (tokens[ti] === GLOBSTAR) ti++;
  return ti === tokens.length;
}

/** Index of the `}` closing the `{` at `open`, or -1; also whether it has a top-level comma. */
function braceEnd(p: string, open: number): { close: number; comma: boolean } {
  let depth = 0;
  let comma = false;
  for (let i = open; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\') i++;
    else if (ch === '{') depth++;
    else if (ch === ',' && depth === 1) comma = true;
    else if (ch === '}' && --depth === 0) return { close: i, comma };
  }
  return { close: -1, comma: false };
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '\\') i++;
    else if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

/** `{1..3}`, `{01..10}`, `{a..e}` as brace-expansion (minimatch's) spells them, step 1. */
function sequence(body: string, pattern: string): string[] | undefined {
  const num = /^(-?\d+)\.\.(-?\d+)$/.exec(body);
  const alpha = /^([a-zA-Z])\.\.([a-zA-Z])$/.exec(body);
  if (!num && !alpha) return undefined;
  const [from, to] = num
    ? [Number(num[1]), Number(num[2])]
    : [body.charCodeAt(0), body.charCodeAt(body.length - 1)];
  if (Math.abs(to - from) + 1 > MAX_BRACE_ALTERNATIVES)
    throw InvalidExcludePattern.of(pattern, `more than ${MAX_BRACE_ALTERNATIVES} alternatives`);
  const padded = num && (/^-?0\d/.test(num[1]) || /^-?0\d/.test(num[2]));
  const width = padded ? Math.max(num[1].length, num[2].length) : 0;
  const step = to >= from ? 1 : -1;
  const out: string[] = [];
  for (let v = from; v !== to + step; v += step) {
    out.push(num ? String(v).padStart(width, '0') : String.fromCharCode(v));
  }
  return out;
}

/** Brace expansion, bounded: every alternative a pattern stands for. */
function expandBraces(p: string, pattern: string): string[] {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      i++;
      continue;
    }
    if (p[i] !== '{') continue;
    const { close, comma } = braceEnd(p, i);
    if (close < 0) return [p];
    const body = p.slice(i + 1, close);
    const parts = comma ? splitTopLevel(body) : sequence(body, pattern);
    if (!parts) continue; // `{a}`: literal braces
    const head = p.slice(0, i);
    const tails = expandBraces(p.slice(close + 1), pattern);
    const out: string[] = [];
    for (const part of parts) {
      for (const mid of expandBraces(part, pattern)) {
        for (const tail of tails) {
          out.push(head + mid + tail);
          if (out.length > MAX_BRACE_ALTERNATIVES)
            throw InvalidExcludePattern.of(
              pattern,
              `more than ${MAX_BRACE_ALTERNATIVES} alternatives`,
            );
        }
      }
    }
    return out;
  }
  return [p];
}

const EXTGLOB = /(^|[^\\])[!?+*@]\(/;

interface Alternative {
  tokens: SegmentToken[];
  /** A slash-less pattern names a file or directory anywhere: matched against the base name. */
  baseName: boolean;
}

function compileAlternative(alt: string, baseName: boolean, pattern: string): Alternative {
  const parts = alt.split('/');
  // minimatch collapses repeated slashes; a trailing slash stays (it matches only a trailing slash).
  const kept = parts.filter((s, i) => s !== '' || i === 0 || i === parts.length - 1);
  const tokens: SegmentToken[] = kept.map((s) =>
    s === '**' ? GLOBSTAR : compileSegment(s, pattern),
  );
  if (tokens[tokens.length - 1] === GLOBSTAR) tokens.splice(tokens.length - 1, 0, ANY_SEGMENT);
  return { tokens, baseName: baseName && kept.length === 1 };
}

/** A path and where its segments start and end, found once for all patterns. */
export class SplitPath {
  private all: number[] | undefined;

  constructor(readonly path: string) {}

  get segments(): number[] {
    if (this.all) return this.all;
    const bounds: number[] = [];
    let start = 0;
    for (let slash = this.path.indexOf('/'); slash >= 0; slash = this.path.indexOf('/', start)) {
      bounds.push(start, slash);
      start = slash + 1;
    }
    bounds.push(start, this.path.length);
    this.all = bounds;
    return bounds;
  }

  get baseName(): number[] {
    return [this.path.lastIndexOf('/') + 1, this.path.length];
  }
}

export class Glob {
  private readonly alternatives: Alternative[];

  constructor(readonly pattern: string) {
    checkPatternShape(pattern);
    const baseName = !pattern.includes('/');
    // An empty alternative (`{,a}`) matches nothing, as in minimatch.
    this.alternatives = expandBraces(pattern, pattern)
      .filter((a) => a !== '')
      .map((a) => compileAlternative(a, baseName, pattern));
  }

  matches(p: SplitPath): boolean {
    return this.alternatives.some((a) =>
      matchSegments(a.tokens, p.path, a.baseName ? p.baseName : p.segments),
    );
  }
}

/** Limits that hold for every exclude pattern, glob or path prefix. */
export function checkPatternSize(pattern: string): void {
  if (pattern.length > MAX_EXCLUDE_PATTERN_CHARS)
    throw InvalidExcludePattern.of(
      pattern,
      `${pattern.length} characters, more than the limit of ${MAX_EXCLUDE_PATTERN_CHARS}`,
    );
  if (pattern.includes('\0'))
    throw InvalidExcludePattern.of(pattern, 'it contains a NUL character');
}

function checkPatternShape(pattern: string): void {
  checkPatternSize(pattern);
  if (pattern.startsWith('!'))
    throw InvalidExcludePattern.of(pattern, 'negation (a leading "!") is not supported');
  if (EXTGLOB.test(pattern))
    throw InvalidExcludePattern.of(
      pattern,
      'extended globs such as +(a|b) or @(a) are not supported (escape the "(" with "\\" to match it)',
    );
}
