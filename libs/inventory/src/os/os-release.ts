import type { Parsed, ParseWarning } from '../types';
import { isBlankOrComment, numberedLines } from '../util/lines';

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** Unquotes an os-release value: shell-style single or double quotes, backslash escapes in double quotes. */
function unquote(raw: string): string | undefined {
  const v = raw.trim();
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\([\\$"`])/g, '$1');
  }
  if (/^["']|["']$/.test(v)) return undefined;
  return v;
}

/** Parses os-release(5) into its KEY=value pairs. */
export function parseOsRelease(
  text: string,
  file = '/etc/os-release',
): Parsed<Record<string, string>> {
  const value: Record<string, string> = {};
  const warnings: ParseWarning[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    if (isBlankOrComment(t)) continue;
    const m = ASSIGNMENT.exec(t.trim());
    const unquoted = m ? unquote(m[2]) : undefined;
    if (!m || unquoted === undefined) {
      warnings.push({ file, line, message: 'not a KEY=value line' });
      continue;
    }
    value[m[1]] = unquoted;
  }
  return { value, warnings };
}
