import type { Finding, ScanError, ScanSummary, Status } from '@log4fleet/scanner';
import { explainFact, type JvmFact } from './jvm-facts';
import { formatBytes, formatDuration } from './progress';

export interface TableStyle {
  color: boolean;
  /** --explain: every evidence line under each finding, not only the WHY column. */
  explain?: boolean;
}

const WHY_MAX = 72;
/** Evidence a process finding starts with: where it runs, not why it has its status. */
const RUNNING_IN = 'running in JVM ';

const STATUS_RANK: Record<Status, number> = { vulnerable: 0, unknown: 1, mitigated: 2, safe: 3 };
const STATUS_COLOR: Record<Status, string> = {
  vulnerable: '31;1',
  unknown: '35',
  mitigated: '33',
  safe: '32',
};

export function paint(text: string, sgr: string, style: TableStyle): string {
  return style.color ? `\x1b[${sgr}m${text}\x1b[0m` : text;
}

// File names come from the scanned host, which may be hostile: control characters (terminal
// escape sequences, newlines) and bidi overrides are shown escaped, never sent to the terminal.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/** Left-aligned columns; the last column is never padded. Colour is applied after padding. */
export function renderRows(
  header: string[],
  rawRows: string[][],
  colorOf: (row: number, col: number) => string | undefined,
  style: TableStyle,
): string[] {
  const rows = rawRows.map((r) => r.map(printable));
  // A loop, not Math.max(...rows): a host can have more findings than a call has arguments.
  const widths = header.map((h, col) =>
    rows.reduce((w, r) => Math.max(w, r[col].length), h.length),
  );
  const line = (cells: string[], row: number): string =>
    cells
      .map((cell, col) => {
        const padded = col === cells.length - 1 ? cell : cell.padEnd(widths[col]);
        const sgr = row >= 0 ? colorOf(row, col) : '1';
        return sgr ? paint(padded, sgr, style) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(header, -1), ...rows.map((r, i) => line(r, i))];
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.path.localeCompare(b.path),
  );
}

/**
 * The evidence that decided a finding's status, shortened for the WHY column: a distribution's
 * patched build says so (a Debian 1.2.17 is safe for that reason, not for its version), else
 * the detector's most decisive line; a JVM's stale jar (restart needed) comes first.
 */
export function whyOf(f: Pick<Finding, 'evidence'>): string {
  const decisive = f.evidence.filter((e) => !e.startsWith(RUNNING_IN));
  const why = decisive.find((e) => e.startsWith('patched build')) ?? decisive[0] ?? '-';
  return why.length <= WHY_MAX ? why : `${why.slice(0, WHY_MAX - 1)}…`;
}

export function renderFindings(findings: Finding[], style: TableStyle): string[] {
  if (findings.length === 0) return ['No log4j found.'];
  const sorted = sortFindings(findings);
  const rows = sorted.map((f) => [
    f.path,
    f.product,
    f.versionExact ? f.version : `${f.version} (?)`,
    f.status,
    f.cves.join(' ') || '-',
    whyOf(f),
  ]);
  const lines = renderRows(
    ['PATH', 'PRODUCT', 'VERSION', 'STATUS', 'CVES', 'WHY'],
    rows,
    (row, col) => (col === 3 ? STATUS_COLOR[sorted[row].status] : undefined),
    style,
  );
  if (!style.explain) return lines;
  // Each row followed by its whole evidence, indented.
  return [
    lines[0],
    ...sorted.flatMap((f, i) => [lines[i + 1], ...f.evidence.map((e) => `    ${printable(e)}`)]),
  ];
}

/** What the scan saw in running JVMs: mitigation flags with what each covers, and indicators. */
export function renderJvmFacts(facts: JvmFact[], style: TableStyle): string[] {
  if (facts.length === 0) return [];
  return [
    '',
    paint(`Running JVMs (${facts.length}): settings and outbound connections`, '1', style),
    ...facts.flatMap((f) => explainFact(f).map(printable)),
  ];
}

export function renderErrors(errors: ScanError[], style: TableStyle): string[] {
  if (errors.length === 0) return [];
  const rows = errors.map((e) => [e.path, e.code, e.error]);
  return [
    '',
    paint(`Errors (${errors.length}): these were not fully scanned`, '1', style),
    ...renderRows(['PATH', 'CODE', 'ERROR'], rows, () => undefined, style),
  ];
}

export function renderSummary(s: ScanSummary, style: TableStyle): string {
  const counts = [
    s.vulnerable > 0
      ? paint(`${s.vulnerable} vulnerable`, STATUS_COLOR.vulnerable, style)
      : '0 vulnerable',
    `${s.mitigated} mitigated`,
    `${s.unknown} undecided`,
    `${s.safe} safe`,
    s.errors > 0 ? paint(`${s.errors} errors`, '33', style) : '0 errors',
  ];
  return (
    `Scanned ${s.files} files (${s.archives} archives, ${formatBytes(s.bytes)}) in ${formatDuration(s.durationMs)}: ` +
    counts.join(', ')
  );
}

/** The whole human report: findings table, running JVMs' facts, errors table, summary line. */
export function renderTable(
  findings: Finding[],
  errors: ScanError[],
  summary: ScanSummary,
  style: TableStyle,
  facts: JvmFact[] = [],
): string {
  return (
    [
      ...renderFindings(findings, style),
      ...renderJvmFacts(facts, style),
      ...renderErrors(errors, style),
      '',
      renderSummary(summary, style),
    ].join('\n') + '\n'
  );
}
