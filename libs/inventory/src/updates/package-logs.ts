import type { PackageActivity, Parsed, ParseWarning } from '../types';
import { numberedLines } from '../util/lines';

const DPKG_LINE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) (\S+)(?: (.*))?$/;
const DPKG_ACTIONS = new Set([
  'install',
  'upgrade',
  'remove',
  'purge',
  'configure',
  'trigproc',
  'status',
  'startup',
  'conffile',
]);

/** dpkg and apt write local wall-clock time without a zone; read it the same way. */
function localTime(
  y: string,
  mo: string,
  d: string,
  h: string,
  mi: string,
  s: string,
): Date | undefined {
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(date.getTime()) || date.getDate() !== Number(d) ? undefined : date;
}

function later(
  a: PackageActivity | undefined,
  b: PackageActivity | undefined,
): PackageActivity | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.at > a.at ? b : a;
}

/** The last "install" or "upgrade" line of a dpkg.log (rotated copies have the same format). */
export function parseDpkgLog(
  text: string,
  file = '/var/log/dpkg.log',
): Parsed<PackageActivity | undefined> {
  let value: PackageActivity | undefined;
  const warnings: ParseWarning[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    if (t.trim() === '') continue;
    const m = DPKG_LINE.exec(t);
    const when = m ? localTime(m[1], m[2], m[3], m[4], m[5], m[6]) : undefined;
    if (!m || !when || !DPKG_ACTIONS.has(m[7])) {
      warnings.push({ file, line, message: 'not a dpkg log line (date time action ...)' });
      continue;
    }
    if (m[7] !== 'install' && m[7] !== 'upgrade') continue;
    value = later(value, { at: when.toISOString(), file, detail: `${m[7]} ${m[8] ?? ''}`.trim() });
  }
  return { value, warnings };
}

const APT_DATE = /^(Start-Date|End-Date):\s+(\d{4})-(\d{2})-(\d{2})\s+(\d{2}):(\d{2}):(\d{2})\s*$/;
const APT_FIELD = /^[A-Z][A-Za-z-]*: /;

/**
 * The end of the last apt transaction that installed or upgraded something, from
 * /var/log/apt/history.log (blank-line separated stanzas of Start-Date, Commandline, Install,
 * Upgrade, Remove ..., End-Date).
 */
export function parseAptHistory(
  text: string,
  file = '/var/log/apt/history.log',
): Parsed<PackageActivity | undefined> {
  let value: PackageActivity | undefined;
  const warnings: ParseWarning[] = [];
  let start: Date | undefined;
  let changes: string | undefined;
  let last: Date | undefined;
  const close = (): void => {
    if (changes && last) value = later(value, { at: last.toISOString(), file, detail: changes });
    [start, changes, last] = [undefined, undefined, undefined];
  };
  for (const { line, text: t } of numberedLines(text)) {
    if (t.trim() === '') continue;
    const date = APT_DATE.exec(t);
    if (date) {
      const when = localTime(date[2], date[3], date[4], date[5], date[6], date[7]);
      if (!when) {
        warnings.push({ file, line, message: `invalid ${date[1]}` });
        continue;
      }
      if (date[1] === 'Start-Date') {
        close();
        start = when;
      }
      last = when;
      continue;
    }
    if (!APT_FIELD.test(t)) {
      warnings.push({ file, line, message: 'not an apt history field (Name: value)' });
      continue;
    }
    const field = /^(Install|Upgrade|Reinstall|Downgrade):\s*(.*)$/.exec(t);
    if (field && start) changes = `${field[1]}: ${field[2].slice(0, 200)}`;
  }
  close();
  return { value, warnings };
}

export { later as laterActivity };
