import path from 'node:path';
import { Minimatch } from 'minimatch';

const GLOB_CHARS = /[*?[\]{}!]/;

type Rule = { pattern: string; matches: (p: string) => boolean };

function prefixRule(pattern: string, absolute: string): Rule {
  const prefix = absolute.length > 1 ? absolute.replace(/\/+$/, '') : absolute;
  const withSlash = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return { pattern, matches: (p) => p === prefix || p.startsWith(withSlash) };
}

function globRule(pattern: string): Rule {
  // A pattern with no slash ("*.log", "node_modules") names a file or directory anywhere.
  const mm = new Minimatch(pattern, { dot: true, matchBase: !pattern.includes('/') });
  return { pattern, matches: (p) => mm.match(p) };
}

/**
 * Decides which paths a scan skips. A pattern without glob characters is a path prefix
 * (relative ones are resolved against the working directory): it skips that path and
 * everything under it. Other patterns are minimatch globs matched against absolute paths.
 */
export class ExcludeMatcher {
  private readonly rules: Rule[];

  constructor(patterns: string[], cwd = process.cwd()) {
    this.rules = patterns
      .filter((p) => p.trim() !== '')
      .map((p) => (GLOB_CHARS.test(p) ? globRule(p) : prefixRule(p, path.resolve(cwd, p))));
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The pattern that excludes this absolute path, if any. */
  match(absPath: string): string | undefined {
    for (const rule of this.rules) {
      if (rule.matches(absPath)) return rule.pattern;
    }
    return undefined;
  }
}
