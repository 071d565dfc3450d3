import { pathToFileURL } from 'node:url';
import type { ChangedFile, HitKind, HuntError, HuntHit, HuntSummary } from '@log4fleet/hunt';
import { formatBytes, formatDuration } from '../scan/progress';
import type { ReportOutput } from '../scan/report-writer';
import { printable } from '../scan/report-table';

export type HuntReportFormat = 'table' | 'jsonl' | 'sarif';

/** Receives the hunt as it happens and writes one report format. */
export interface HuntReporter {
  hit(h: HuntHit): void;
  error(e: HuntError): void;
  changedFile(f: ChangedFile): void;
  finish(summary: HuntSummary, exitCode: number): void;
}

/** JSON lines: hits and errors as they are found, then changed files, then one summary line. */
class JsonLinesReporter implements HuntReporter {
  constructor(private readonly out: ReportOutput) {}
  hit(h: HuntHit): void {
    this.out.write(`${JSON.stringify({ type: 'hit', ...h })}\n`);
  }
  error(e: HuntError): void {
    this.out.write(`${JSON.stringify({ type: 'error', ...e })}\n`);
  }
  changedFile(f: ChangedFile): void {
    this.out.write(`${JSON.stringify({ type: 'changed-file', ...f })}\n`);
  }
  finish(s: HuntSummary, exitCode: number): void {
    this.out.write(`${JSON.stringify({ type: 'summary', ...s, exitCode })}\n`);
  }
}

interface Collected {
  hits: HuntHit[];
  errors: HuntError[];
  changed: ChangedFile[];
}

class CollectingReporter implements HuntReporter {
  private readonly c: Collected = { hits: [], errors: [], changed: [] };
  constructor(
    private readonly out: ReportOutput,
    private readonly render: (c: Collected, s: HuntSummary, exitCode: number) => string,
  ) {}
  hit(h: HuntHit): void {
    this.c.hits.push(h);
  }
  error(e: HuntError): void {
    this.c.errors.push(e);
  }
  changedFile(f: ChangedFile): void {
    this.c.changed.push(f);
  }
  finish(s: HuntSummary, exitCode: number): void {
    this.out.write(this.render(this.c, s, exitCode));
  }
}

export function targetText(h: HuntHit): string {
  const t = h.target;
  if (!t) return '-';
  return `${t.protocol}://${t.host}${t.port !== undefined ? `:${t.port}` : ''}${t.path}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function columns(header: string[], rows: string[][]): string[] {
  const safe = rows.map((r) => r.map(printable));
  const widths = header.map((h, i) => safe.reduce((w, r) => Math.max(w, r[i].length), h.length));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...safe.map(line)];
}

function kindText(h: HuntHit): string {
  if (h.kind === 'trace') return `trace:${h.trace ?? '?'}${h.confidence === 'low' ? ' (low)' : ''}`;
  if (h.kind === 'indicator') return `ioc:${h.indicator?.type ?? '?'}`;
  return h.indicator ? `${h.kind}+ioc` : h.kind;
}

/** The human report: hits (where, what, callback, decoded form), errors, changed files, a summary line. */
export function renderHuntTable(c: Collected, s: HuntSummary): string {
  const lines: string[] = [];
  if (c.hits.length === 0) lines.push('No signs of exploitation found.');
  else
    lines.push(
      ...columns(
        ['WHERE', 'TIME', 'KIND', 'CALLBACK', 'DECODED'],
        c.hits.map((h) => [
          `${h.file}:${h.line}`,
          h.timestamp ?? '-',
          kindText(h),
          clip(targetText(h), 80),
          clip(h.decoded, 120),
        ]),
      ),
    );
  if (c.errors.length > 0) {
    lines.push('', `Errors (${c.errors.length}): these were not fully read`);
    lines.push(
      ...columns(
        ['PATH', 'CODE', 'ERROR'],
        c.errors.map((e) => [e.path, e.code, e.error]),
      ),
    );
  }
  if (c.changed.length > 0) {
    lines.push('', `Changed after the date (${c.changed.length}):`);
    lines.push(
      ...columns(
        ['PATH', 'MTIME', 'CTIME', 'OWNER', 'MODE'],
        c.changed.map((f) => [f.path, f.mtime, f.ctime, f.owner ?? String(f.uid), f.mode]),
      ),
    );
  }
  const hosts = new Set(c.hits.map((h) => h.target?.callbackHost).filter((x): x is string => !!x));
  lines.push(
    '',
    `Hunted ${s.files} files (${formatBytes(s.bytes)}, ${s.lines} lines) in ${formatDuration(s.durationMs)}: ` +
      `${s.hits} hits${hosts.size > 0 ? ` calling back to ${[...hosts].slice(0, 5).join(', ')}${hosts.size > 5 ? ', ...' : ''}` : ''}, ` +
      `${s.errors} errors, ${s.filesSkippedOld} skipped as older than --since, ${s.filesSkippedBinary} binary`,
  );
  return `${lines.join('\n')}\n`;
}

const RULES: Record<HitKind, { name: string; text: string; level: 'error' | 'warning' }> = {
  jndi: {
    name: 'JndiLookupAttempt',
    text: 'A ${jndi:...} lookup to a remote protocol in logged text: a Log4Shell exploitation attempt (CVE-2021-44228/45046)',
    level: 'error',
  },
  recursion: {
    name: 'LookupRecursion',
    text: 'A self-referential lookup string: CVE-2021-45105 denial of service',
    level: 'error',
  },
  nesting: {
    name: 'LookupNesting',
    text: 'Lookups nested beyond what any legitimate line holds: evasion or denial of service',
    level: 'error',
  },
  trace: {
    name: 'ExploitationTrace',
    text: 'What a JNDI lookup that ran leaves in logs',
    level: 'error',
  },
  indicator: {
    name: 'IndicatorOfCompromise',
    text: "An entry of the admin's indicator set",
    level: 'error',
  },
  connection: {
    name: 'JvmCallbackConnection',
    text: 'A JVM connected to an LDAP, RMI or DNS port',
    level: 'error',
  },
};
const KINDS = Object.keys(RULES) as HitKind[];

export function buildHuntSarif(
  c: Collected,
  s: HuntSummary,
  version: string,
  exitCode: number,
): unknown {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'log4fleet-agent hunt',
            version,
            rules: KINDS.map((k) => ({
              id: `LOG4FLEET-HUNT-${k.toUpperCase()}`,
              name: RULES[k].name,
              shortDescription: { text: RULES[k].text },
              defaultConfiguration: { level: RULES[k].level },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: s.errors === 0,
            startTimeUtc: s.startedAt,
            endTimeUtc: s.finishedAt,
            exitCode,
            toolExecutionNotifications: c.errors.map((e) => ({
              level: 'warning',
              message: { text: `${e.code}: ${e.error}` },
              locations: [{ physicalLocation: { artifactLocation: { uri: fileUri(e.path) } } }],
            })),
          },
        ],
        results: c.hits.map((h) => ({
          ruleId: `LOG4FLEET-HUNT-${h.kind.toUpperCase()}`,
          ruleIndex: KINDS.indexOf(h.kind),
          level: h.confidence === 'high' ? 'error' : 'warning',
          message: { text: `${h.message}: ${h.decoded}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: fileUri(h.file) },
                ...(h.line > 0 ? { region: { startLine: h.line } } : {}),
              },
            },
          ],
          properties: {
            decoded: h.decoded,
            target: h.target ?? null,
            exfiltrates: h.exfiltrates,
            timestamp: h.timestamp ?? null,
            cves: h.cves,
          },
        })),
      },
    ],
  };
}

function fileUri(p: string): string {
  return p.startsWith('/') ? pathToFileURL(p.replace(/ \[pid \d+\]$/, '')).href : p;
}

export function createHuntReporter(
  format: HuntReportFormat,
  out: ReportOutput,
  toolVersion: string,
): HuntReporter {
  switch (format) {
    case 'jsonl':
      return new JsonLinesReporter(out);
    case 'sarif':
      return new CollectingReporter(
        out,
        (c, s, code) => `${JSON.stringify(buildHuntSarif(c, s, toolVersion, code), null, 2)}\n`,
      );
    case 'table':
      return new CollectingReporter(out, (c, s) => renderHuntTable(c, s));
  }
}
