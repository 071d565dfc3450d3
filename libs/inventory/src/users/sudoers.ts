import path from 'node:path';
import type { Parsed, ParseWarning, SudoersRule } from '../types';
import type { RootFs } from '../util/root-fs';
import { numberedLines } from '../util/lines';

export interface SudoersInclude {
  path: string;
  directory: boolean;
  line: number;
}

export interface SudoersFile {
  rules: SudoersRule[];
  /** User_Alias name -> members as written. */
  userAliases: Map<string, string[]>;
  includes: SudoersInclude[];
}

interface LogicalLine {
  line: number;
  text: string;
}

/** Joins lines ending in a backslash with the next one; the joined line keeps the first line's number. */
function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let pending: LogicalLine | undefined;
  for (const { line, text: t } of numberedLines(text)) {
    const continued = /\\$/.test(t);
    const piece = continued ? t.slice(0, -1) : t;
    pending = pending
      ? { line: pending.line, text: `${pending.text} ${piece}` }
      : { line, text: piece };
    if (continued) continue;
    out.push(pending);
    pending = undefined;
  }
  if (pending) out.push(pending);
  return out;
}

const INCLUDE = /^[#@](include|includedir)\s+(.+?)\s*$/;

/** Removes a comment: `#` starts one unless it begins a uid (`#1000`). */
function stripComment(text: string): string {
  const m = /(^|[^\\])#(?!\d)/.exec(text);
  return (m ? text.slice(0, m.index + m[1].length) : text).trim();
}

const ALIAS_KINDS = /^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s+(.*)$/;
const ALIAS_NAME = /^[A-Z][A-Z0-9_]*$/;

function parseAliasLine(kind: string, body: string, aliases: Map<string, string[]>): boolean {
  // NAME1 = a, b : NAME2 = c
  for (const part of body.split(':')) {
    const m = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.+?)\s*$/.exec(part);
    if (!m) return false;
    if (kind === 'User_Alias') aliases.set(m[1], splitList(m[2]));
  }
  return true;
}

function splitList(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .filter(Boolean);
}

function principalKind(p: string, aliases: Map<string, string[]>): SudoersRule['kind'] {
  if (p.startsWith('%')) return 'group';
  if (p.startsWith('#')) return 'uid';
  if (p.startsWith('+')) return 'netgroup';
  if (aliases.has(p) || (ALIAS_NAME.test(p) && p !== 'ALL')) return 'alias';
  return 'user';
}

function parseUserSpec(
  l: LogicalLine,
  text: string,
  file: string,
  aliases: Map<string, string[]>,
): SudoersRule[] | undefined {
  const eq = text.indexOf('=');
  if (eq <= 0) return undefined;
  const left = text
    .slice(0, eq)
    .replace(/\s*,\s*/g, ',')
    .trim();
  const tokens = left.split(/\s+/);
  if (tokens.length !== 2 || tokens[0] === '') return undefined;
  const spec = `${tokens[1]}${text.slice(eq).replace(/^=\s*/, '=')}`.replace(/\s+/g, ' ').trim();
  const rightSide = text.slice(eq + 1).trim();
  if (rightSide === '') return undefined;
  return splitList(tokens[0]).map((raw) => {
    const negated = raw.startsWith('!');
    const principal = negated ? raw.slice(1) : raw;
    return {
      file,
      line: l.line,
      principal,
      kind: principalKind(principal, aliases),
      negated,
      spec,
      nopasswd: /\bNOPASSWD\s*:/.test(rightSide),
    };
  });
}

/**
 * Parses one sudoers(5) file: user specifications, User_Alias definitions and include
 * directives. Defaults lines and other aliases are understood and skipped; anything else is a
 * warning with its line number.
 */
export function parseSudoers(
  text: string,
  file = '/etc/sudoers',
  aliases = new Map<string, string[]>(),
): Parsed<SudoersFile> {
  const value: SudoersFile = { rules: [], userAliases: aliases, includes: [] };
  const warnings: ParseWarning[] = [];
  for (const l of logicalLines(text)) {
    const trimmed = l.text.trim();
    const include = INCLUDE.exec(trimmed);
    if (include) {
      value.includes.push({
        path: include[2].replace(/^"(.*)"$/, '$1'),
        directory: include[1] === 'includedir',
        line: l.line,
      });
      continue;
    }
    const body = stripComment(trimmed);
    if (body === '' || /^Defaults([:@!>\s]|$)/.test(body)) continue;
    const alias = ALIAS_KINDS.exec(body);
    if (alias) {
      if (!parseAliasLine(alias[1], alias[2], aliases))
        warnings.push({ file, line: l.line, message: `malformed ${alias[1]}` });
      continue;
    }
    const rules = parseUserSpec(l, body, file, aliases);
    if (!rules) {
      warnings.push({
        file,
        line: l.line,
        message: 'not a user specification (user host = command)',
      });
      continue;
    }
    value.rules.push(...rules);
  }
  return { value, warnings };
}

// sudo itself stops at 128 nested includes; a real configuration needs two or three.
const MAX_INCLUDE_DEPTH = 8;

/** sudo skips includedir files whose name ends in "~" or contains a "." (editor backups, dpkg leftovers). */
function isIncludedDirFile(name: string): boolean {
  return !name.endsWith('~') && !name.includes('.');
}

/** Reads /etc/sudoers and every file it includes, in order, with a bounded depth and no loops. */
export async function loadSudoers(fs: RootFs, file = '/etc/sudoers'): Promise<SudoersFile> {
  const all: SudoersFile = { rules: [], userAliases: new Map(), includes: [] };
  const seen = new Set<string>();

  const visit = async (p: string, depth: number): Promise<void> => {
    if (seen.has(p)) return;
    seen.add(p);
    if (depth > MAX_INCLUDE_DEPTH) {
      fs.warn(p, `not read: includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
      return;
    }
    const text = await fs.readText(p);
    if (text === undefined) return;
    const parsed = parseSudoers(text, p, all.userAliases);
    fs.warnings.push(...parsed.warnings);
    all.rules.push(...parsed.value.rules);
    all.includes.push(...parsed.value.includes);
    for (const inc of parsed.value.includes) {
      const target = path.isAbsolute(inc.path) ? inc.path : path.join(path.dirname(p), inc.path);
      if (!inc.directory) {
        await visit(target, depth + 1);
        continue;
      }
      const names = (await fs.readdir(target)).filter((e) => !e.isDirectory()).map((e) => e.name);
      for (const name of names.filter(isIncludedDirFile).sort())
        await visit(path.join(target, name), depth + 1);
    }
  };

  await visit(file, 0);
  return all;
}
