import type { Finding, ScanError } from '@log4fleet/contracts';
import { parseJsonArray, toJson } from '../common/json-column';
import { chainToPathText, pathBytesToText, storableText } from '../common/path-text';
import { FindingEntity } from './finding.entity';
import { FindingDto, ScanErrorDto, ScanRunDto, ScanScopeDto } from './findings.dto';
import { ScanErrorEntity } from './scan-error.entity';
import { scopeFromJson, type ScanScope } from '../scan/scan-scope';
import { ScanRunEntity } from './scan-run.entity';

/** Each path element in the text form of common/path-text.ts (lossless, see README). */
export function chainToText(chain: Uint8Array[]): string[] {
  return chain.map(pathBytesToText);
}

/**
 * The path a human reads, stored in findings.path / scan_errors.path and matched by pathContains:
 * outer file, then each archive entry, joined like a jar URL, in the lossless text form.
 */
export function displayPath(chain: Uint8Array[]): string {
  return chainToPathText(chain);
}

export function chainToJson(chain: Uint8Array[]): string {
  return toJson(chain.map((element) => Buffer.from(element).toString('base64')));
}

export function findingColumns(
  finding: Finding,
): Pick<
  FindingEntity,
  | 'chain'
  | 'path'
  | 'product'
  | 'version'
  | 'versionExact'
  | 'status'
  | 'cves'
  | 'evidence'
  | 'packageRoot'
  | 'sha256'
> {
  return {
    chain: chainToJson(finding.chain),
    path: displayPath(finding.chain),
    product: finding.product,
    version: storableText(finding.version),
    versionExact: finding.versionExact,
    status: finding.status,
    cves: toJson(finding.cves),
    evidence: toJson(finding.evidence),
    packageRoot: storableText(finding.packageRoot),
    sha256: finding.sha256,
  };
}

export function scanErrorColumns(
  error: ScanError,
): Pick<ScanErrorEntity, 'chain' | 'path' | 'code' | 'message'> {
  return {
    chain: chainToJson(error.chain),
    path: displayPath(error.chain),
    code: storableText(error.code),
    message: storableText(error.message),
  };
}

export function toFindingDto(entity: FindingEntity, hostname: string): FindingDto {
  const chainBase64 = parseJsonArray(entity.chain);
  return {
    id: entity.id,
    hostId: entity.hostId,
    hostname,
    scanRunId: entity.scanRunId,
    commandId: entity.commandId,
    path: entity.path,
    chain: chainToText(chainBase64.map((b) => Buffer.from(b, 'base64'))),
    chainBase64,
    product: entity.product,
    version: entity.version,
    versionExact: entity.versionExact,
    status: entity.status,
    cves: parseJsonArray(entity.cves),
    evidence: parseJsonArray(entity.evidence),
    packageRoot: entity.packageRoot,
    sha256: entity.sha256,
    source: entity.source,
    current: entity.current,
    createdAt: entity.createdAt.toISOString(),
  };
}

export function toScanErrorDto(entity: ScanErrorEntity): ScanErrorDto {
  return {
    id: entity.id,
    path: entity.path,
    chainBase64: parseJsonArray(entity.chain),
    code: entity.code,
    message: entity.message,
  };
}

function toScopeDto(scope: ScanScope): ScanScopeDto {
  return {
    paths: scope.roots,
    processes: scope.processes,
    exclude: [...scope.excludes, ...scope.globExcludes],
  };
}

export function toScanRunDto(entity: ScanRunEntity): ScanRunDto {
  return {
    id: entity.id,
    hostId: entity.hostId,
    commandId: entity.commandId,
    startedAt: entity.startedAt?.toISOString() ?? null,
    finishedAt: entity.finishedAt?.toISOString() ?? null,
    scope: toScopeDto(scopeFromJson(entity.scope)),
    completeness: entity.completeness,
    incompleteReason: entity.incompleteReason,
    summary: {
      files: entity.files,
      directories: entity.directories,
      archives: entity.archives,
      bytes: entity.bytesRead,
      findings: entity.findingsCount,
      errors: entity.errorsCount,
      vulnerable: entity.vulnerable,
      mitigated: entity.mitigated,
      safe: entity.safe,
      unknown: entity.unknown,
      durationMs: entity.durationMs,
    },
  };
}

const CSV_COLUMNS: Array<keyof FindingDto> = [
  'hostId',
  'hostname',
  'path',
  'product',
  'version',
  'versionExact',
  'status',
  'cves',
  'packageRoot',
  'sha256',
  'scanRunId',
  'createdAt',
];

export function csvHeader(): string {
  return CSV_COLUMNS.join(',') + '\n';
}

/** RFC 4180: quote every field that holds a comma, quote or line break; cells starting with = + - @ are prefixed (CSV injection). */
export function toCsvRow(dto: FindingDto): string {
  return CSV_COLUMNS.map((column) => csvCell(dto[column])).join(',') + '\n';
}

function csvCell(value: unknown): string {
  let text = Array.isArray(value) ? value.join(' ') : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
