import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../common/pagination.dto';

export const MATCH_CONFIDENCES = ['alias', 'exact', 'fuzzy'] as const;
export const ENTRY_STATUSES = ['affected', 'fixed', 'not-affected', 'unknown'] as const;
export const VERSION_VERDICTS = [
  'in-affected-list',
  'in-fixed-list',
  'in-unaffected-list',
  'below-fixed',
  'at-or-above-fixed',
  'not-listed',
  'not-comparable',
] as const;

export class AdvisoryQueryDto {
  @ApiPropertyOptional({
    enum: MATCH_CONFIDENCES,
    default: 'fuzzy',
    description: 'The least certain match to include: alias (curated) > exact (same name) > fuzzy',
  })
  @IsOptional()
  @IsIn(MATCH_CONFIDENCES)
  minConfidence?: (typeof MATCH_CONFIDENCES)[number];
  @ApiPropertyOptional({
    enum: ENTRY_STATUSES,
    description: "Only entries with this status for CVE-2021-44228 (CISA's list's own CVE)",
  })
  @IsOptional()
  @IsIn(ENTRY_STATUSES)
  status?: (typeof ENTRY_STATUSES)[number];
}

export class FleetAdvisoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: MATCH_CONFIDENCES, default: 'fuzzy' })
  @IsOptional()
  @IsIn(MATCH_CONFIDENCES)
  minConfidence?: (typeof MATCH_CONFIDENCES)[number];
  @ApiPropertyOptional({ enum: ENTRY_STATUSES })
  @IsOptional()
  @IsIn(ENTRY_STATUSES)
  status?: (typeof ENTRY_STATUSES)[number];
}

export class AdvisoryDatabaseDto {
  @ApiProperty({ example: 'https://github.com/cisagov/log4j-affected-db' }) source!: string;
  @ApiProperty() commit!: string;
  @ApiProperty({ example: '2022-11-09' }) commitDate!: string;
  @ApiProperty() sha256!: string;
  @ApiProperty() entries!: number;
}

export class SoftwareDto {
  @ApiProperty({ enum: ['dpkg', 'rpm', 'jar-scan'] }) source!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: "As reported ('' when unknown)" }) version!: string;
  @ApiProperty({ nullable: true, type: String }) sourcePackage!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Where the jar scan saw it' })
  path!: string | null;
}

export class CveAdviceDto {
  @ApiProperty({ example: 'CVE-2021-44228' }) cve!: string;
  @ApiProperty({ enum: ENTRY_STATUSES }) status!: string;
  @ApiProperty({ nullable: true, type: Boolean }) investigated!: boolean | null;
  @ApiProperty({ type: [String], description: 'As written in the database' })
  affectedVersions!: string[];
  @ApiProperty({ type: [String] }) fixedVersions!: string[];
  @ApiProperty({ type: [String] }) unaffectedVersions!: string[];
  @ApiProperty({
    enum: VERSION_VERDICTS,
    description: "Where the host's version falls in the lists as written: advice, not a verdict",
  })
  versionVerdict!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The list item that decided' })
  decidedBy!: string | null;
}

export class AdvisoryMatchDto {
  @ApiProperty({ type: SoftwareDto }) software!: SoftwareDto;
  @ApiProperty() vendor!: string;
  @ApiProperty() product!: string;
  @ApiProperty({ enum: MATCH_CONFIDENCES }) confidence!: string;
  @ApiProperty({ example: 'alias: liblog4j2-java -> Debian / Apache-log4j2' }) reason!: string;
  @ApiProperty({ enum: ENTRY_STATUSES, description: 'Status for CVE-2021-44228' })
  status!: string;
  @ApiProperty({ type: [CveAdviceDto] }) cves!: CveAdviceDto[];
  @ApiProperty({ type: [String] }) vendorLinks!: string[];
  @ApiProperty() notes!: string;
  @ApiProperty({ type: [String] }) references!: string[];
  @ApiProperty() lastUpdated!: string;
  @ApiProperty({ description: 'One sentence for a human; always "check with the vendor"' })
  advice!: string;
}

export class HostAdvisoriesDto {
  @ApiProperty() hostId!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty({ description: "The host's status (from the jar scan)" }) hostStatus!: string;
  @ApiProperty({ nullable: true, type: String }) inventorySnapshotId!: string | null;
  @ApiProperty({ nullable: true, type: String }) inventoryCollectedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) scanRunId!: string | null;
  @ApiProperty({ description: 'Installed packages considered' }) packages!: number;
  @ApiProperty({ description: 'Products the jar scan found, considered' })
  jarScanProducts!: number;
  @ApiProperty({ type: AdvisoryDatabaseDto }) database!: AdvisoryDatabaseDto;
  @ApiProperty({ type: [AdvisoryMatchDto] }) matches!: AdvisoryMatchDto[];
  @ApiProperty() note!: string;
}

export class FleetSoftwareDto {
  @ApiProperty({ enum: ['dpkg', 'rpm', 'jar-scan'] }) source!: string;
  @ApiProperty() name!: string;
  @ApiProperty() version!: string;
  @ApiProperty() hosts!: number;
}

export class FleetAdvisoryDto {
  @ApiProperty() vendor!: string;
  @ApiProperty() product!: string;
  @ApiProperty({ enum: ENTRY_STATUSES, description: 'Status for CVE-2021-44228' })
  status!: string;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', properties: { cve: { type: 'string' }, status: { type: 'string' } } },
  })
  cves!: Array<{ cve: string; status: string }>;
  @ApiProperty({ enum: MATCH_CONFIDENCES, description: 'The most certain match on any host' })
  confidence!: string;
  @ApiProperty({ description: 'Hosts with matching software' }) hosts!: number;
  @ApiProperty({ type: [String], description: 'The first 100 of them' }) hostIds!: string[];
  @ApiProperty({ type: [FleetSoftwareDto], description: 'What matched, the first 50' })
  software!: FleetSoftwareDto[];
  @ApiProperty({ type: [String] }) vendorLinks!: string[];
  @ApiProperty() notes!: string;
}

export class FleetAdvisoriesDto {
  @ApiProperty({ type: AdvisoryDatabaseDto }) database!: AdvisoryDatabaseDto;
  @ApiProperty({ description: 'Hosts whose inventory or jar scan was considered' })
  hostsConsidered!: number;
  @ApiProperty({
    description: 'More current jar-scan findings exist than were read (FLEET_FINDINGS_MAX)',
  })
  findingsTruncated!: boolean;
  @ApiProperty({ type: [FleetAdvisoryDto] }) items!: FleetAdvisoryDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() note!: string;
}
