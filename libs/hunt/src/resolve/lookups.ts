import { foldName, hasLookalike } from '../decode/fold';
import { formatDateLookup } from './date-format';

/**
 * Resolves `${...}` lookups the way Log4j 2's StrSubstitutor and Interpolator do: the name of a
 * lookup is resolved first (so lookups can build the name of another), split at the first `:-`
 * into name and default, the prefix before the first `:` picks the lookup (lower-cased), an
 * unresolved lookup keeps its original text, a value is resolved again, and `$${` escapes a
 * lookup. Values only the victim knows (env, sys, ctx ...) stay as their `${...}` text: in a
 * JNDI name they are what the string exfiltrates. Work is bounded by depth and by a budget
 * proportional to the input, so a hostile line cannot cost more than a constant per character.
 */

export interface ResolveLimits {
  /** Deepest lookup nesting resolved; deeper is reported, not followed. */
  maxDepth: number;
  /** Characters the resolver may scan, per input character (values are rescanned as Log4j does). */
  workPerChar: number;
}

export const DEFAULT_RESOLVE_LIMITS: ResolveLimits = { maxDepth: 40, workPerChar: 48 };

export interface Resolution {
  output: string;
  /** What followed `jndi:` in each JNDI lookup, resolved (in order of evaluation). */
  jndi: string[];
  /** A `$${` escape inside a lookup: the shape of the CVE-2021-45105 recursion strings. */
  escapeInLookup: boolean;
  depthExceeded: boolean;
  budgetExceeded: boolean;
  /** Lookup prefixes used to build text (lower, upper, date, base64, default ...). */
  families: Set<string>;
}

/** System properties whose value is the same on every JVM that matters (`${sys:file.separator}` for `/`). */
const KNOWN_SYS: Readonly<Record<string, string>> = {
  'file.separator': '/',
  'path.separator': ':',
  'line.separator': '\n',
};

class Resolver {
  readonly jndi: string[] = [];
  escapeInLookup = false;
  depthExceeded = false;
  budgetExceeded = false;
  readonly families = new Set<string>();
  private work = 0;

  constructor(
    private budget: number,
    private readonly maxDepth: number,
  ) {}

  /** Resolves a whole string (a value, or the line). */
  substitute(s: string, depth: number): string {
    if (s.indexOf('${') < 0) return s;
    if (!this.spend(s.length)) return s;
    return this.substituteRange(s, 0, s.length, matchBraces(s), depth);
  }

  /** Work is counted where it is done: pairing braces of new text, and each lookup. */
  private spend(units: number): boolean {
    this.work += units;
    if (this.work <= this.budget) return true;
    this.budgetExceeded = true;
    return false;
  }

  /**
   * Resolves s[from, to). Names are ranges of the text they sit in, so a line's braces are
   * paired once however deep its lookups nest; only values (new text) are paired again.
   */
  private substituteRange(
    s: string,
    from: number,
    to: number,
    close: Int32Array,
    depth: number,
  ): string {
    let out = '';
    let i = from;
    let p = s.indexOf('${', from);
    while (p >= 0 && p + 1 < to) {
      if (p > i && s.charCodeAt(p - 1) === 36) {
        // `$${`: the escape is dropped, `${` stays literal, and what is inside is still scanned.
        if (depth > 0) this.escapeInLookup = true;
        out += s.slice(i, p - 1) + '${';
        i = p + 2;
      } else if (close[p] < 0 || close[p] >= to) {
        // Unclosed: Log4j stops here; a hunter keeps reading for closed lookups inside.
        p = s.indexOf('${', p + 2);
        continue;
      } else {
        const end = close[p];
        out += s.slice(i, p) + this.lookup(s, p, end, close, depth);
        i = end + 1;
      }
      p = s.indexOf('${', i);
    }
    return out + s.slice(i, to);
  }

  private lookup(s: string, start: number, end: number, close: Int32Array, depth: number): string {
    const original = s.slice(start, end + 1);
    if (depth >= this.maxDepth) {
      if (!this.depthExceeded) {
        // The line is reported for its nesting already: what is left of it may cost little more.
        this.depthExceeded = true;
        this.budget = Math.min(this.budget, this.work + 4 * s.length + 65536);
      }
      return original;
    }
    if (!this.spend(16)) return original;
    if (depth > 0) this.families.add('nested');
    const name = this.substituteRange(s, start + 2, end, close, depth + 1);
    if (this.budgetExceeded) return original;
    const delim = name.indexOf(':-');
    const varName = delim >= 0 ? name.slice(0, delim) : name;
    let value = this.resolveVariable(varName);
    if (value === undefined && delim >= 0) {
      this.families.add('default');
      value = name.slice(delim + 2);
    }
    if (value === undefined) return original;
    return this.substitute(value, depth + 1);
  }

  private resolveVariable(varName: string): string | undefined {
    const colon = varName.indexOf(':');
    if (colon < 0) return undefined;
    const rawPrefix = varName.slice(0, colon);
    const prefix = foldName(rawPrefix);
    if (hasLookalike(rawPrefix)) this.families.add('lookalike');
    else if (prefix === 'jndi' && rawPrefix !== 'jndi') this.families.add('case');
    const key = varName.slice(colon + 1);
    switch (prefix) {
      case 'jndi':
        this.jndi.push(key);
        return undefined;
      case 'lower':
        this.families.add('lower');
        return key.toLowerCase();
      case 'upper':
        this.families.add('upper');
        return key.toUpperCase();
      case 'date':
        this.families.add('date');
        return formatDateLookup(key);
      case 'base64':
        this.families.add('base64');
        return Buffer.from(key, 'base64').toString('utf8');
      case 'sys':
        if (KNOWN_SYS[key] !== undefined) this.families.add('sys');
        return KNOWN_SYS[key];
      default:
        return undefined;
    }
  }
}

/**
 * For each `${` (index of its `$`), the index of the `}` that closes it, else -1. Log4j's own
 * end search counts every `${` (escaped ones too) as a nesting level, which a stack reproduces.
 */
export function matchBraces(s: string): Int32Array {
  const close = new Int32Array(s.length).fill(-1);
  const stack = new Int32Array(s.length >> 1);
  let top = 0;
  for (let i = s.indexOf('${'); i >= 0 && i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 36 && s.charCodeAt(i + 1) === 123) {
      stack[top++] = i;
      i++;
    } else if (c === 125 && top > 0) {
      close[stack[--top]] = i;
    }
  }
  return close;
}

/**
 * Resolves every lookup of a (decoded) line. When an escape produced new `${` text, the output
 * is resolved once more: patterns such as `%X{...}` / `${ctx:...}` evaluate logged text a second
 * time (CVE-2021-45046), so an escaped lookup can still run.
 */
export function resolveLookups(
  text: string,
  limits: ResolveLimits = DEFAULT_RESOLVE_LIMITS,
): Resolution {
  const r = new Resolver(limits.workPerChar * text.length + 65536, limits.maxDepth);
  let output = r.substitute(text, 0);
  if (output !== text && output.includes('${') && text.includes('$${')) {
    output = r.substitute(output, 0);
  }
  return {
    output,
    jndi: r.jndi,
    escapeInLookup: r.escapeInLookup,
    depthExceeded: r.depthExceeded,
    budgetExceeded: r.budgetExceeded,
    families: r.families,
  };
}
