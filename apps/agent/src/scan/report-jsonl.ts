import type { Finding, ScanError, ScanSummary } from '@log4fleet/scanner';
import type { JvmFact } from './jvm-facts';

/** One JSON object per line: findings and errors as they arrive, then one summary line. */
export function findingLine(f: Finding): string {
  return JSON.stringify({
    type: 'finding',
    path: f.path,
    chain: f.chain,
    product: f.product,
    version: f.version,
    versionExact: f.versionExact,
    status: f.status,
    cves: f.cves,
    evidence: f.evidence,
    packageRoot: f.packageRoot,
    sha256: f.sha256 ?? null,
    ...(f.pathBytesBase64 ? { pathBytesBase64: f.pathBytesBase64 } : {}),
  });
}

export function errorLine(e: ScanError): string {
  return JSON.stringify({
    type: 'error',
    path: e.path,
    chain: e.chain,
    code: e.code,
    error: e.error,
    ...(e.pathBytesBase64 ? { pathBytesBase64: e.pathBytesBase64 } : {}),
  });
}

/** A running JVM's flag ("jvm-flag") or indicator ("jvm-indicator"): the record as it is. */
export function factLine(fact: JvmFact): string {
  return JSON.stringify(fact);
}

export function summaryLine(s: ScanSummary, exitCode: number): string {
  return JSON.stringify({
    type: 'summary',
    files: s.files,
    directories: s.directories,
    archives: s.archives,
    bytes: s.bytes,
    findings: s.findings,
    errors: s.errors,
    vulnerable: s.vulnerable,
    mitigated: s.mitigated,
    safe: s.safe,
    unknown: s.unknown,
    durationMs: s.durationMs,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    exitCode,
  });
}
