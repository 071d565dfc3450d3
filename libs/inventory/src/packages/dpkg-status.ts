import type { InstalledPackage, Parsed, ParseWarning } from '../types';
import { numberedLines } from '../util/lines';

interface Stanza {
  line: number;
  fields: Map<string, string>;
}

/** Splits a deb822 file into stanzas of "Field: value" (continuation lines are dropped: no field we read has them). */
function stanzas(text: string, file: string, warnings: ParseWarning[]): Stanza[] {
  const out: Stanza[] = [];
  let current: Stanza | undefined;
  for (const { line, text: t } of numberedLines(text)) {
    if (t.trim() === '') {
      current = undefined;
      continue;
    }
    if (t.startsWith(' ') || t.startsWith('\t')) {
      if (!current) warnings.push({ file, line, message: 'continuation line outside a stanza' });
      continue;
    }
    const colon = t.indexOf(':');
    if (colon <= 0) {
      warnings.push({ file, line, message: 'not a "Field: value" line' });
      continue;
    }
    if (!current) {
      current = { line, fields: new Map() };
      out.push(current);
    }
    current.fields.set(t.slice(0, colon).toLowerCase(), t.slice(colon + 1).trim());
  }
  return out;
}

/**
 * Parses /var/lib/dpkg/status: the packages whose Status says "installed" (config-files,
 * half-installed and not-installed stanzas are skipped: their files are not, or not all, there).
 */
export function parseDpkgStatus(
  text: string,
  file = '/var/lib/dpkg/status',
): Parsed<InstalledPackage[]> {
  const warnings: ParseWarning[] = [];
  const value: InstalledPackage[] = [];
  for (const { line, fields } of stanzas(text, file, warnings)) {
    const name = fields.get('package');
    const status = fields.get('status');
    const version = fields.get('version');
    if (!name || !status) {
      warnings.push({ file, line, message: 'stanza without Package or Status' });
      continue;
    }
    if (status.split(/\s+/)[2] !== 'installed') continue;
    if (!version) {
      warnings.push({ file, line, message: `installed package ${name} has no Version` });
      continue;
    }
    // "Source: apache-log4j2 (2.17.1-1)": the name only; absent means the same name.
    const source = fields.get('source')?.split(/\s+/)[0];
    value.push({
      manager: 'dpkg',
      name,
      version,
      arch: fields.get('architecture') ?? '',
      ...(source && source !== name ? { sourcePackage: source } : {}),
    });
  }
  return { value, warnings };
}
