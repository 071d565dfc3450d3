import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/pagination.dto';
import { IsIntInRange, IsUuid } from '../common/validators';
import {
  FINDING_SOURCES,
  SCAN_COMPLETENESS,
  type FindingSource,
  type ScanCompleteness,
} from '../scan/scan-scope';

export const FINDING_STATUSES = ['vulnerable', 'mitigated', 'safe', 'unknown'] as const;

export class FindingFilterDto {
  @ApiPropertyOptional({ example: 'CVE-2021-44228' })
  @IsOptional()
  @Matches(/^CVE-\d{4}-\d{4,7}$/, { message: 'cve must look like CVE-2021-44228' })
  cve?: string;
  @ApiPropertyOptional({ enum: FINDING_STATUSES })
  @IsOptional()
  @IsIn(FINDING_STATUSES)
  status?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(32) product?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) version?: string;
  @ApiPropertyOptional() @IsOptional() @IsUuid() hostId?: string;
  @ApiPropertyOptional({
    description:
      "The findings of this scan run (GET /hosts/:id/scans lists them), whether or not they are still current; without it, the hosts' current findings",
  })
  @IsOptional()
  @IsUuid()
  scanRunId?: string;
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the display path' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  pathContains?: string;
}

export class FindingQueryDto extends IntersectionType(PageQueryDto, FindingFilterDto) {}

/** The most findings one export gives (findings.service.ts EXPORT_MAX_ROWS). */
export const EXPORT_LIMIT_MAX = 200_000;

export class ExportQueryDto extends FindingFilterDto {
  @ApiProperty({ enum: ['csv', 'json'] }) @IsIn(['csv', 'json']) format!: 'csv' | 'json';
  @ApiPropertyOptional({
    minimum: 1,
    maximum: EXPORT_LIMIT_MAX,
    default: EXPORT_LIMIT_MAX,
    description:
      'At most this many findings (ordered by id); when more match, X-Log4fleet-Truncated is "true", JSON says "truncated": true and CSV ends with a "# truncated" line',
  })
  @IsOptional()
  @Type(() => Number)
  @IsIntInRange(1, EXPORT_LIMIT_MAX)
  limit?: number;
}

export class FindingDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty() scanRunId!: string;
  @ApiProperty() commandId!: string;
  @ApiProperty({
    description:
      'Display path; archive entries joined with "!/". Lossless text form of the bytes: valid UTF-8 as is, other bytes, controls and NUL as \\xNN, a backslash as \\\\ (a scan request takes it back)',
  })
  path!: string;
  @ApiProperty({
    type: [String],
    description: 'Each path element in the text form of `path`',
  })
  chain!: string[];
  @ApiProperty({ type: [String], description: 'Each path element exactly, base64' })
  chainBase64!: string[];
  @ApiProperty() product!: string;
  @ApiProperty() version!: string;
  @ApiProperty() versionExact!: boolean;
  @ApiProperty({ enum: FINDING_STATUSES }) status!: string;
  @ApiProperty({ type: [String] }) cves!: string[];
  @ApiProperty({ type: [String] }) evidence!: string[];
  @ApiProperty() packageRoot!: string;
  @ApiProperty() sha256!: string;
  @ApiProperty({
    enum: FINDING_SOURCES,
    description: 'The scope that produced it: a path under a scan root, or a running JVM',
  })
  source!: FindingSource;
  @ApiProperty({ description: "Part of the host's current findings (no later scan replaced it)" })
  current!: boolean;
  @ApiProperty() createdAt!: string;
}

export class ScanErrorDto {
  @ApiProperty() id!: string;
  @ApiProperty() path!: string;
  @ApiProperty({ type: [String] }) chainBase64!: string[];
  @ApiProperty() code!: string;
  @ApiProperty() message!: string;
}

export class ScanScopeDto {
  @ApiProperty({
    type: [String],
    description: 'Roots of the filesystem walk; empty: none (running JVMs only)',
  })
  paths!: string[];
  @ApiProperty({ description: 'Whether running JVMs were inspected' }) processes!: boolean;
  @ApiProperty({ type: [String], description: 'Paths and globs skipped' }) exclude!: string[];
}

export class ScanRunDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() commandId!: string;
  @ApiProperty({ nullable: true, type: String }) startedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({ type: ScanScopeDto, description: 'What the scan covered' }) scope!: ScanScopeDto;
  @ApiProperty({
    enum: SCAN_COMPLETENESS,
    description:
      'unfinished: not every chunk arrived; complete: it covered its whole scope (it replaces earlier findings there); incomplete: a root missing or unreadable, or the JVMs not all inspected (it only adds findings)',
  })
  completeness!: ScanCompleteness;
  @ApiProperty({ nullable: true, type: String, description: 'Why it is incomplete' })
  incompleteReason!: string | null;
  @ApiProperty({ type: Object }) summary!: {
    files: number;
    directories: number;
    archives: number;
    bytes: number;
    findings: number;
    errors: number;
    vulnerable: number;
    mitigated: number;
    safe: number;
    unknown: number;
    durationMs: number;
  };
}

export interface HostInventory {
  scanRun: ScanRunDto | null;
  findings: FindingDto[];
  errors: ScanErrorDto[];
}
