import type { ScanSummary, UploadResultsRequest } from '@log4fleet/contracts';
import { timeOrderedUuid } from '../common/time-ordered-id';
import { isoOrNull } from '../database/column-types';
import { findingColumns, scanErrorColumns } from '../results/findings.mapper';
import { ScanRunEntity } from '../results/scan-run.entity';
import { findingSource, type FindingSource, type ScanCompleteness } from './scan-scope';

/** The rows a scan's results become (scan_runs, findings, scan_errors): column lists and values. */
export const FINDING_COLUMNS = [
  'id',
  'host_id',
  'scan_run_id',
  'command_id',
  'chain',
  'path',
  'product',
  'version',
  'version_exact',
  'status',
  'cves',
  'evidence',
  'package_root',
  'sha256',
  'created_at',
  'source',
  'current',
];

/** Index of 'current' in a finding row: decided when the scan completes. */
const CURRENT_AT = FINDING_COLUMNS.indexOf('current');

export const SCAN_ERROR_COLUMNS = [
  'id',
  'host_id',
  'scan_run_id',
  'command_id',
  'chain',
  'path',
  'code',
  'message',
  'created_at',
];

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

/** One finding row and one error row per entry of the chunk, in FINDING_COLUMNS / SCAN_ERROR_COLUMNS order. */
export function addRows(
  run: ScanRunEntity,
  chunk: UploadResultsRequest,
  createdAt: string,
  findings: NewFinding[],
  errors: unknown[][],
  counts: RunCounts,
  runErrors: RunError[],
): void {
  const base = [run.hostId, run.id, run.commandId];
  counts.findings += chunk.findings.length;
  counts.errors += chunk.errors.length;
  for (const f of chunk.findings) {
    const c = findingColumns(f);
    const vulnerable = c.product === VULNERABLE_PRODUCT && c.status === 'vulnerable';
    if (vulnerable) counts.vulnerable = true;
    const id = timeOrderedUuid();
    const source = findingSource(f.evidence);
    const row = [
      id,
      ...base,
      c.chain,
      c.path,
      c.product,
      c.version,
      c.versionExact,
      c.status,
      c.cves,
      c.evidence,
      c.packageRoot,
      c.sha256,
      createdAt,
      source,
      false,
    ];
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
    errors.push([timeOrderedUuid(), ...base, c.chain, c.path, c.code, c.message, createdAt]);
    runErrors.push({ path: c.path, message: c.message });
  }
}

export const SCAN_RUN_COLUMNS = [
  'id',
  'host_id',
  'command_id',
  'started_at',
  'finished_at',
  'files',
  'directories',
  'archives',
  'bytes_read',
  'findings_count',
  'errors_count',
  'vulnerable',
  'mitigated',
  'safe',
  'unknown',
  'duration_ms',
  'created_at',
  'scope',
  'completeness',
  'incomplete_reason',
];

/** id, host_id, command_id: a stored run's keys, never updated. */
export const RUN_KEY_COLUMNS = 3;

/** A scan run's values in SCAN_RUN_COLUMNS order. */
export function scanRunRow(run: ScanRunEntity): unknown[] {
  return [
    run.id,
    run.hostId,
    run.commandId,
    isoOrNull(run.startedAt),
    isoOrNull(run.finishedAt),
    run.files,
    run.directories,
    run.archives,
    run.bytesRead,
    run.findingsCount,
    run.errorsCount,
    run.vulnerable,
    run.mitigated,
    run.safe,
    run.unknown,
    run.durationMs,
    run.createdAt.toISOString(),
    run.scope,
    run.completeness,
    run.incompleteReason,
  ];
}

/** A scan_runs row read with SCAN_RUN_COLUMNS (PostgreSQL returns bigint as a string). */
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
