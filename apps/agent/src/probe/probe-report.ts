import type { ProbeReport, TargetResult } from '@log4fleet/probe';
import { paint, renderRows, type TableStyle } from '../scan/report-table';

/** Exit codes of `log4fleet-agent probe`: the same meanings as `scan`'s. */
export const ProbeExit = {
  /** Every JVM listener probed, no callback. */
  CLEAN: 0,
  /** A lookup reached our responder with a token that is none of this run's. */
  ATTENTION: 1,
  /** A service performed a JNDI lookup of what we sent: exploitable. */
  EXPLOITABLE: 2,
  /** Some listener could not be probed fully (unreachable, timeouts, budget spent, bad --port). */
  INCOMPLETE: 3,
  USAGE: 64,
} as const;
export type ProbeExitCode = (typeof ProbeExit)[keyof typeof ProbeExit];

export const PROBE_EXIT_HELP = `
Exit codes:
  0   every JVM listener was probed and none performed a lookup (a port that does not speak HTTP is listed, not an error)
  1   a lookup reached the responders with a token of no probe of this run
  2   at least one service performed a JNDI lookup of a marked string: exploitable
  3   the probe is incomplete (a listener unreachable, requests unanswered, the budget spent, a --port no JVM listens on)
      and nothing above was found
  64  usage error (bad option or value)
`;

const incomplete = (t: TargetResult): boolean =>
  t.outcome === 'partial' || t.outcome === 'unreachable';

export function probeExitCode(r: ProbeReport): ProbeExitCode {
  if (r.findings.length > 0) return ProbeExit.EXPLOITABLE;
  if (r.unmatched.length > 0) return ProbeExit.ATTENTION;
  if (r.errors.length > 0 || r.targets.some(incomplete)) return ProbeExit.INCOMPLETE;
  return ProbeExit.CLEAN;
}

const pids = (t: TargetResult): string =>
  t.target.processes.map((p) => `${p.pid}${p.comm ? ` ${p.comm}` : ''}`).join(', ') || '-';

/** One JSON object per line: each target, each finding, each unmatched callback and error, then a summary. */
export function reportLines(r: ProbeReport, exitCode: number): string {
  const lines: object[] = [
    ...r.targets.map((t) => ({ type: 'target', ...t })),
    ...r.findings.map((f) => ({ type: 'finding', ...f })),
    ...r.unmatched.map((c) => ({ type: 'unmatched-callback', ...c })),
    ...r.errors.map((error) => ({ type: 'error', error })),
    {
      type: 'summary',
      targets: r.targets.length,
      requests: r.targets.reduce((n, t) => n + t.requests, 0),
      findings: r.findings.length,
      exploitable: r.findings.length > 0,
      errors: r.errors.length,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      exitCode,
    },
  ];
  return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
}

export function reportTable(r: ProbeReport, style: TableStyle): string {
  const out: string[] = [];
  if (r.targets.length === 0) out.push('No JVM listener to probe.');
  else
    out.push(
      ...renderRows(
        ['PORT', 'ADDRESS', 'JVM', 'SCHEME', 'OUTCOME', 'REQUESTS', 'NOTE'],
        r.targets.map((t) => [
          String(t.target.port),
          t.target.address,
          pids(t),
          t.scheme ?? '-',
          t.outcome,
          String(t.requests),
          t.error ?? '',
        ]),
        () => undefined,
        style,
      ),
    );
  if (r.findings.length > 0) {
    out.push(
      '',
      paint(
        `Callbacks (${r.findings.length}): these services look up what users send`,
        '31;1',
        style,
      ),
    );
    out.push(
      ...renderRows(
        ['PORT', 'LOCATION', 'FIELD', 'FORM', 'CALLBACK', 'FROM PID'],
        r.findings.map((f) => [
          String(f.target.port),
          f.location,
          f.field,
          f.form,
          f.protocol,
          f.process ? String(f.process.pid) : '-',
        ]),
        () => undefined,
        style,
      ),
    );
  }
  for (const c of r.unmatched)
    out.push(`unknown token ${c.token} (${c.protocol}) from ${c.peer.address}:${c.peer.port}`);
  if (r.errors.length > 0)
    out.push('', paint(`Errors (${r.errors.length})`, '1', style), ...r.errors);
  const requests = r.targets.reduce((n, t) => n + t.requests, 0);
  const verdict =
    r.findings.length > 0
      ? paint(
          `EXPLOITABLE: ${new Set(r.findings.map((f) => f.target.port)).size} port(s) performed JNDI lookups`,
          '31;1',
          style,
        )
      : 'no callback';
  out.push(
    '',
    `Probed ${r.targets.length} JVM listener(s) with ${requests} request(s): ${verdict}`,
  );
  return `${out.join('\n')}\n`;
}
