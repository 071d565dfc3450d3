import type { Finding, ScanError, ScanSummary } from '@log4fleet/scanner';
import { errorLine, findingLine, summaryLine } from './report-jsonl';
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
  finish(summary: ScanSummary, exitCode: number): void;
}

class JsonLinesReporter implements Reporter {
  constructor(private readonly out: ReportOutput) {}
  finding(f: Finding): void {
    this.out.write(`${findingLine(f)}\n`);
  }
  error(e: ScanError): void {
    this.out.write(`${errorLine(e)}\n`);
  }
  finish(summary: ScanSummary, exitCode: number): void {
    this.out.write(`${summaryLine(summary, exitCode)}\n`);
  }
}

/** Table and SARIF need everything before they can be written. */
class CollectingReporter implements Reporter {
  private readonly findings: Finding[] = [];
  private readonly errors: ScanError[] = [];
  constructor(
    private readonly out: ReportOutput,
    private readonly render: (
      findings: Finding[],
      errors: ScanError[],
      summary: ScanSummary,
      exitCode: number,
    ) => string,
  ) {}
  finding(f: Finding): void {
    this.findings.push(f);
  }
  error(e: ScanError): void {
    this.errors.push(e);
  }
  finish(summary: ScanSummary, exitCode: number): void {
    this.out.write(this.render(this.findings, this.errors, summary, exitCode));
  }
}

export function createReporter(
  format: ReportFormat,
  out: ReportOutput,
  opts: { color: boolean; toolVersion: string },
): Reporter {
  switch (format) {
    case 'jsonl':
      return new JsonLinesReporter(out);
    case 'sarif':
      return new CollectingReporter(
        out,
        (f, e, s, code) =>
          `${JSON.stringify(buildSarif(f, e, s, opts.toolVersion, code), null, 2)}\n`,
      );
    case 'table':
      return new CollectingReporter(out, (f, e, s) => renderTable(f, e, s, { color: opts.color }));
  }
}
