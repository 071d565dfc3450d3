import type {
  Finding,
  ScanError,
  ScanErrorCode,
  ScanOptions,
  ScanSink,
  ScanSummary,
} from '@log4fleet/scanner';
import {
  probeJvms,
  type JvmReport,
  type ProbeError,
  type ProbeErrorCode,
  type ProcessFinding,
} from '@log4fleet/jvm-probe';
import {
  describeFact,
  describeProcess,
  flagRecord,
  indicatorRecord,
  processRecord,
  type JvmFact,
} from './jvm-facts';

/** Notes that are neither findings nor errors: mitigation flags and outbound-connection indicators. */
export type ProcessNote = (line: string) => void;

/** A scan sink that also takes those facts as typed records; with it, the note is not called. */
export interface JvmScanSink extends ScanSink {
  jvmFact?(fact: JvmFact): void;
}

const PROBE_ERROR_CODES: Record<ProbeErrorCode, ScanErrorCode> = {
  vanished: 'io-error',
  'permission-denied': 'permission-denied',
  'io-error': 'io-error',
  'scan-error': 'internal',
};

/** A JVM's copy as a scanner Finding: the evidence says which process runs it and whether it is stale. */
export function processFindingToFinding(f: ProcessFinding): Finding {
  const { process, source, stale, ...finding } = f;
  const running = `running in JVM ${describeProcess(processRecord(process))}, ${source === 'open-file' ? 'open file' : 'on its classpath'}`;
  const evidence = stale
    ? [`${stale.message} (${stale.reason}: ${stale.detail})`, running]
    : [running];
  return { ...finding, evidence: [...evidence, ...finding.evidence] };
}

export function probeErrorToScanError(e: ProbeError): ScanError {
  const where = e.pid !== undefined ? `pid ${e.pid}: ` : '';
  return {
    path: e.path,
    chain: [e.path],
    code: PROBE_ERROR_CODES[e.code],
    error: `${where}${e.message}`,
  };
}

/** Emits a probe report through a scan sink, returning the summary a scan would return. */
export function emitJvmReport(
  report: JvmReport,
  sink: JvmScanSink,
  note: ProcessNote,
  startedAt: Date,
): ScanSummary {
  const counts = { vulnerable: 0, mitigated: 0, safe: 0, unknown: 0 };
  for (const f of report.findings) {
    counts[f.status] += 1;
    sink.finding(processFindingToFinding(f));
  }
  for (const e of report.errors) sink.error(probeErrorToScanError(e));
  const all: JvmFact[] = [
    ...report.flags.map(flagRecord),
    ...report.indicators.map(indicatorRecord),
  ];
  for (const fact of all) {
    if (sink.jvmFact) sink.jvmFact(fact);
    else note(describeFact(fact));
  }
  const finishedAt = new Date();
  return {
    files: 0,
    directories: 0,
    archives: report.processes.reduce((n, p) => n + p.openArchives.length, 0),
    bytes: 0,
    findings: report.findings.length,
    errors: report.errors.length,
    ...counts,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
}

/** `scan --processes`: only running JVMs, read through /proc (no attach). */
export function makeProcessScanner(note: ProcessNote) {
  return async (_options: ScanOptions, sink: JvmScanSink): Promise<ScanSummary> => {
    const startedAt = new Date();
    const report = await probeJvms();
    return emitJvmReport(report, sink, note, startedAt);
  };
}

/** Adds a process scan's counts to a filesystem scan's summary. */
export function mergeSummaries(a: ScanSummary, b: ScanSummary): ScanSummary {
  return {
    files: a.files + b.files,
    directories: a.directories + b.directories,
    archives: a.archives + b.archives,
    bytes: a.bytes + b.bytes,
    findings: a.findings + b.findings,
    errors: a.errors + b.errors,
    vulnerable: a.vulnerable + b.vulnerable,
    mitigated: a.mitigated + b.mitigated,
    safe: a.safe + b.safe,
    unknown: a.unknown + b.unknown,
    durationMs: a.durationMs + b.durationMs,
    startedAt: a.startedAt < b.startedAt ? a.startedAt : b.startedAt,
    finishedAt: a.finishedAt > b.finishedAt ? a.finishedAt : b.finishedAt,
  };
}
