import path from 'node:path';
import {
  checkPatternSize,
  Glob,
  InvalidExcludePattern,
  MAX_EXCLUDE_PATTERNS,
  SplitPath,
} from './glob';

export { InvalidExcludePattern, MAX_EXCLUDE_PATTERN_CHARS, MAX_EXCLUDE_PATTERNS } from './glob';

const GLOB_CHARS = /[*?[\]{}!]/;

type Rule = { pattern: string; matches: (p: SplitPath) => boolean };

function prefixRule(pattern: string, absolute: string): Rule {
  const prefix = absolute.length > 1 ? absolute.replace(/\/+$/, '') : absolute;
  const withSlash = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return { pattern, matches: ({ path: p }) => p === prefix || p.startsWith(withSlash) };
}

function globRule(pattern: string): Rule {
  const glob = new Glob(pattern);
  return { pattern, matches: (p) => glob.matches(p) };
}

/**
 * Decides which paths a scan skips. A pattern without glob characters is a path prefix
 * (relative ones are resolved against the working directory): it skips that path and
 * everything under it. Other patterns are globs (see glob.ts) matched against absolute
 * paths, in time linear in the path and the pattern. Throws InvalidExcludePattern for
 * patterns it refuses (too many, too long, unsupported syntax).
 */
export class ExcludeMatcher {
  private readonly rules: Rule[];

  constructor(patterns: readonly string[], cwd = process.cwd()) {
    if (patterns.length > MAX_EXCLUDE_PATTERNS)
      throw new InvalidExcludePattern(
        `${patterns.length} exclude patterns, more than the limit of ${MAX_EXCLUDE_PATTERNS}.`,
      );
    this.rules = patterns
      .filter((p) => p.trim() !== '')
      .map((p) => {
        checkPatternSize(p);
        return GLOB_CHARS.test(p) ? globRule(p) : prefixRule(p, path.resolve(cwd, p));
      });
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The pattern that excludes this absolute path, if any. */
  match(absPath: string): string | undefined {
    const split = new SplitPath(absPath);
    for (const rule of this.rules) {
      if (rule.matches(split)) return rule.pattern;
    }
    return undefined;
  }
}

/** Throws InvalidExcludePattern, naming the pattern, when a scan would refuse these patterns. */
export function checkExcludePatterns(patterns: readonly string[]): void {
  new ExcludeMatcher(patterns, '/');
}
