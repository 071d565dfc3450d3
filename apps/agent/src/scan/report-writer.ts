import type { Finding, ScanError, ScanSummary } from '@log4fleet/scanner';
import type { JvmFact } from './jvm-facts';
import { errorLine, factLine, findingLine, summaryLine } from './report-jsonl';
import { buildSarif } from './report-sarif';
import { renderTable } from './report-table';
import type { ReportFormat } from './scan-options';

export interface ReportOutput {
  write(text: string): void;
}

/** Receives the scan as it happens and writes one report format. */
export interface Reporter {
  finding(f: Finding): void;
  error(e: ScanError): void;
  /** A running JVM's mitigation flag or outbound-connection indicator. */
  jvmFact(fact: JvmFact): void;
  finish(summary: ScanSummary, exitCode: number): void;
}

export interface Collected {
  findings: Finding[];
  errors: ScanError[];
  facts: JvmFact[];
}

class JsonLinesReporter implements Reporter {
  constructor(private readonly out: ReportOutput) {}
  finding(f: Finding): void {
    this.out.write(`${findingLine(f)}\n`);
  }
  error(e: ScanError): void {
    this.out.write(`${errorLine(e)}\n`);
  }
  jvmFact(fact: JvmFact): void {
    this.out.write(`${factLine(fact)}\n`);
  }
  finish(summary: ScanSummary, exitCode: number): void {
    this.out.write(`${summaryLine(summary, exitCode)}\n`);
  }
}

/** Table and SARIF need everything before they can be written. */
class CollectingReporter implements Reporter {
  private readonly all: Collected = { findings: [], errors: [], facts: [] };
  constructor(
    private readonly out: ReportOutput,
    private readonly render: (all: Collected, summary: ScanSummary, exitCode: number) => string,
  ) {}
  finding(f: Finding): void {
    this.all.findings.push(f);
  }
  error(e: ScanError): void {
    this.all.errors.push(e);
  }
  jvmFact(fact: JvmFact): void {
    this.all.facts.push(fact);
  }
  finish(summary: ScanSummary, exitCode: number): void {
    this.out.write(this.render(this.all, summary, exitCode));
  }
}

export function createReporter(
  format: ReportFormat,
  out: ReportOutput,
  opts: { color: boolean; toolVersion: string; explain?: boolean },
): Reporter {
  switch (format) {
    case 'jsonl':
      return new JsonLinesReporter(out);
    case 'sarif':
      return new CollectingReporter(
        out,
        (all, s, code) =>
          `${JSON.stringify(buildSarif(all.findings, all.errors, s, opts.toolVersion, code, all.facts), null, 2)}\n`,
      );
    case 'table':
      return new CollectingReporter(out, (all, s) =>
        renderTable(
          all.findings,
          all.errors,
          s,
          { color: opts.color, explain: opts.explain },
          all.facts,
        ),
      );
  }
}
