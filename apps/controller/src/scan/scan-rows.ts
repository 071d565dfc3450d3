import type { ScanSummary, UploadResultsRequest } from '@log4fleet/contracts';
import { timeOrderedUuid } from '../common/time-ordered-id';
import { isoOrNull } from '../database/column-types';
import { tableRows } from '../database/table-rows';
import { findingColumns, scanErrorColumns } from '../results/findings.mapper';
import { ScanRunEntity } from '../results/scan-run.entity';
import { findingSource, type FindingSource, type ScanCompleteness } from './scan-scope';

/** A finding of a chunk as its findings row is written (scan_runs, findings, scan_errors below). */
interface FindingValues {
  id: string;
  run: ScanRunEntity;
  columns: ReturnType<typeof findingColumns>;
  source: FindingSource;
  createdAt: string;
}

/** The findings columns and each one's value: 'current' is false until the scan completes. */
export const FINDING_ROWS = tableRows<FindingValues>('findings', [
  ['id', (f) => f.id],
  ['host_id', (f) => f.run.hostId],
  ['scan_run_id', (f) => f.run.id],
  ['command_id', (f) => f.run.commandId],
  ['chain', (f) => f.columns.chain],
  ['path', (f) => f.columns.path],
  ['product', (f) => f.columns.product],
  ['version', (f) => f.columns.version],
  ['version_exact', (f) => f.columns.versionExact],
  ['status', (f) => f.columns.status],
  ['cves', (f) => f.columns.cves],
  ['evidence', (f) => f.columns.evidence],
  ['package_root', (f) => f.columns.packageRoot],
  ['sha256', (f) => f.columns.sha256],
  ['created_at', (f) => f.createdAt],
  ['source', (f) => f.source],
  ['current', () => false],
]);

/** Index of 'current' in a finding row: decided when the scan completes. */
const CURRENT_AT = FINDING_ROWS.indexOf('current');

/** A scan error of a chunk as its scan_errors row is written. */
interface ScanErrorValues {
  run: ScanRunEntity;
  columns: ReturnType<typeof scanErrorColumns>;
  createdAt: string;
}

export const SCAN_ERROR_ROWS = tableRows<ScanErrorValues>('scan_errors', [
  ['id', () => timeOrderedUuid()],
  ['host_id', (e) => e.run.hostId],
  ['scan_run_id', (e) => e.run.id],
  ['command_id', (e) => e.run.commandId],
  ['chain', (e) => e.columns.chain],
  ['path', (e) => e.columns.path],
  ['code', (e) => e.columns.code],
  ['message', (e) => e.columns.message],
  ['created_at', (e) => e.createdAt],
]);

/** A host is vulnerable when its inventory holds an exploitable log4j-core (Log4Shell lives there). */
export const VULNERABLE_PRODUCT = 'log4j-core';

/** A finding of a scan as the host's inventory reads it (scan/host-inventory.ts). */
export interface FindingFacts {
  id: string;
  source: FindingSource;
  path: string;
  product: string;
  packageRoot: string;
  vulnerable: boolean;
}

/** A finding row not stored yet, and its facts: the row's 'current' is set when its scan completes. */
export interface NewFinding extends FindingFacts {
  row: unknown[];
}

export function setCurrent(finding: NewFinding, current: boolean): void {
  finding.row[CURRENT_AT] = current;
}

/** What is read of each of a run's errors to know what it covered. */
export interface RunError {
  path: string;
  message: string;
}

/** A run's stored findings and errors, and whether a vulnerable log4j-core is among them. */
export interface RunCounts {
  findings: number;
  errors: number;
  vulnerable: boolean;
}

export function applySummary(run: ScanRunEntity, summary: ScanSummary): void {
  run.files = summary.files;
  run.directories = summary.directories;
  run.archives = summary.archives;
  run.bytesRead = summary.bytes;
  run.vulnerable = summary.vulnerable;
  run.mitigated = summary.mitigated;
  run.safe = summary.safe;
  run.unknown = summary.unknown;
  run.durationMs = summary.durationMs;
  if (summary.startedAtMs > 0) run.startedAt = new Date(summary.startedAtMs);
}

/** One finding row (FINDING_ROWS) and one error row (SCAN_ERROR_ROWS) per entry of the chunk. */
export function addRows(
  run: ScanRunEntity,
  chunk: UploadResultsRequest,
  createdAt: string,
  findings: NewFinding[],
  errors: unknown[][],
  counts: RunCounts,
  runErrors: RunError[],
): void {
  counts.findings += chunk.findings.length;
  counts.errors += chunk.errors.length;
  for (const f of chunk.findings) {
    const c = findingColumns(f);
    const vulnerable = c.product === VULNERABLE_PRODUCT && c.status === 'vulnerable';
    if (vulnerable) counts.vulnerable = true;
    const id = timeOrderedUuid();
    const source = findingSource(f.evidence);
    const row = FINDING_ROWS.row({ id, run, columns: c, source, createdAt });
    findings.push({
      id,
      source,
      path: c.path,
      product: c.product,
      packageRoot: c.packageRoot,
      vulnerable,
      row,
    });
  }
  for (const e of chunk.errors) {
    const c = scanErrorColumns(e);
    errors.push(SCAN_ERROR_ROWS.row({ run, columns: c, createdAt }));
    runErrors.push({ path: c.path, message: c.message });
  }
}

/** The scan_runs columns and a run's value of each. */
export const SCAN_RUN_ROWS = tableRows<ScanRunEntity>('scan_runs', [
  ['id', (r) => r.id],
  ['host_id', (r) => r.hostId],
  ['command_id', (r) => r.commandId],
  ['started_at', (r) => isoOrNull(r.startedAt)],
  ['finished_at', (r) => isoOrNull(r.finishedAt)],
  ['files', (r) => r.files],
  ['directories', (r) => r.directories],
  ['archives', (r) => r.archives],
  ['bytes_read', (r) => r.bytesRead],
  ['findings_count', (r) => r.findingsCount],
  ['errors_count', (r) => r.errorsCount],
  ['vulnerable', (r) => r.vulnerable],
  ['mitigated', (r) => r.mitigated],
  ['safe', (r) => r.safe],
  ['unknown', (r) => r.unknown],
  ['duration_ms', (r) => r.durationMs],
  ['created_at', (r) => r.createdAt.toISOString()],
  ['scope', (r) => r.scope],
  ['completeness', (r) => r.completeness],
  ['incomplete_reason', (r) => r.incompleteReason],
]);

/** id, host_id, command_id: a stored run's keys, never updated. */
export const RUN_KEY_COLUMNS = 3;

/** A scan_runs row read with SCAN_RUN_ROWS.columns (PostgreSQL returns bigint as a string). */
export function scanRunFromRow(row: Record<string, unknown>): ScanRunEntity {
  const date = (v: unknown) => (v ? new Date(v as string) : null);
  return {
    id: row.id as string,
    hostId: row.host_id as string,
    commandId: row.command_id as string,
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    files: Number(row.files),
    directories: Number(row.directories),
    archives: Number(row.archives),
    bytesRead: Number(row.bytes_read),
    findingsCount: Number(row.findings_count),
    errorsCount: Number(row.errors_count),
    vulnerable: Number(row.vulnerable),
    mitigated: Number(row.mitigated),
    safe: Number(row.safe),
    unknown: Number(row.unknown),
    durationMs: Number(row.duration_ms),
    createdAt: new Date(row.created_at as string),
    scope: (row.scope as string | null) ?? null,
    completeness: row.completeness as ScanCompleteness,
    incompleteReason: (row.incomplete_reason as string | null) ?? null,
  };
}
