import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsCommandKindFor, KindParams } from '../commands/kind-params';
import type { KindName } from '../commands/kinds';
import { ScanParamsDto } from '../scan/scan.dto';
import { PageQueryDto } from '../common/pagination.dto';
import { IsUuid } from '../common/validators';
import { HOST_STATUSES, HostStatus } from '../hosts/host.entity';
import { HOST_TAG_PATTERN } from '../hosts/hosts.dto';
import {
  CAMPAIGN_KINDS,
  CAMPAIGN_STATUSES,
  CampaignKind,
  CampaignStatus,
  commandKindOf,
} from './campaign.entity';

export const MAX_TARGET_HOST_IDS = 10_000;

/** Which hosts a campaign targets: every given criterion must hold (tags: any of them). */
export class CampaignSelectorDto {
  @ApiPropertyOptional({
    description: 'Every enrolled host (may be combined with the other criteria to narrow it)',
  })
  @IsOptional()
  @IsBoolean()
  all?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'Hosts carrying any of these tags' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(64)
  @Matches(HOST_TAG_PATTERN, {
    each: true,
    message: 'each tag must be 1-64 of A-Z a-z 0-9 _ . : / = -',
  })
  tags?: string[];

  @ApiPropertyOptional({ type: [String], description: 'These hosts' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_TARGET_HOST_IDS)
  @IsUuid({ each: true })
  hostIds?: string[];

  @ApiPropertyOptional({
    enum: HOST_STATUSES,
    isArray: true,
    description: 'Hosts in any of these states, e.g. ["vulnerable"]',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(HOST_STATUSES, { each: true })
  statuses?: HostStatus[];
}

/** The scan kind's parameters; the campaign's expiresAt replaces a per-command expiry. */
export class CampaignScanOptionsDto extends ScanParamsDto {}

/** The command kind a body's `kind` (absent: scan) makes its campaigns run; other values as given. */
export function bodyCommandKind(body: Record<string, unknown>): unknown {
  const kind = body.kind ?? 'scan';
  return typeof kind === 'string' && (CAMPAIGN_KINDS as readonly string[]).includes(kind)
    ? commandKindOf(kind as CampaignKind)
    : kind;
}

const PARAMS_DESCRIPTION =
  "The command kind's parameters, validated by that kind (for scan: the fields of POST /hosts/:id/scans but expiresInSeconds); default: the kind's defaults";
const SCAN_DESCRIPTION = 'The params of kind scan, as before params existed (not with params)';

export class CreateCampaignDto {
  @ApiPropertyOptional({ maxLength: 128 }) @IsOptional() @IsString() @MaxLength(128) name?: string;

  @ApiPropertyOptional({
    enum: CAMPAIGN_KINDS,
    default: 'scan',
    description:
      'The command kind each host runs (a kind that allows campaigns), or "verify": scans that check remediations',
  })
  @IsOptional()
  @IsCommandKindFor('campaigns', ['verify'])
  kind?: CampaignKind;

  @ApiPropertyOptional({ type: Object, description: PARAMS_DESCRIPTION })
  @KindParams(bodyCommandKind)
  params?: object;

  @ApiProperty({ type: CampaignSelectorDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => CampaignSelectorDto)
  selector!: CampaignSelectorDto;

  @ApiPropertyOptional({ type: CampaignScanOptionsDto, description: SCAN_DESCRIPTION })
  @IsOptional()
  @ValidateNested()
  @Type(() => CampaignScanOptionsDto)
  scan?: CampaignScanOptionsDto;

  @ApiPropertyOptional({
    description:
      'When undelivered commands expire (ISO-8601); default now + COMMAND_TTL_S, at most 30 days',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10000,
    description: 'Hosts started per second (default: as fast as the queue goes)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  pacePerSecond?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1000,
    description: 'Scan these first N hosts and wait for all of them to succeed before the rest',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  canarySize?: number;

  @ApiPropertyOptional({
    minimum: 0,
    description:
      'Pause the campaign when more hosts than this have failed; a resume accepts the failures so far (it pauses again when this many more fail)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  failureThreshold?: number;
}

export class CampaignQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES)
  status?: CampaignStatus;
  @ApiPropertyOptional({ enum: CAMPAIGN_KINDS })
  @IsOptional()
  @IsIn(CAMPAIGN_KINDS)
  kind?: CampaignKind;
  @ApiPropertyOptional() @IsOptional() @IsUuid() scheduleId?: string;
  @ApiPropertyOptional({ description: 'Created at or after (ISO-8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdAfter?: string;
}

export const COVERAGE_BUCKETS = [
  'queued',
  'delivered',
  'running',
  'succeeded',
  'failed',
  'offline',
  'expired',
  'cancelled',
] as const;
export type CoverageBucket = (typeof COVERAGE_BUCKETS)[number];

export class CoverageDto {
  @ApiProperty() targets!: number;
  @ApiProperty({ description: 'Not yet handed a command, or command queued for a connected agent' })
  queued!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty() running!: number;
  @ApiProperty() succeeded!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({
    description: 'Command waiting for an agent that is not connected to any controller process',
  })
  offline!: number;
  @ApiProperty() expired!: number;
  @ApiProperty() cancelled!: number;
  @ApiProperty({ description: 'Hosts that got no command (no active agent, host gone)' })
  skipped!: number;
  @ApiProperty({ description: 'succeeded / targets, 0-100' }) percentSucceeded!: number;
}

export class CveCountDto {
  @ApiProperty() cve!: string;
  @ApiProperty() hosts!: number;
  @ApiProperty() findings!: number;
}

export class CampaignFindingsDto {
  @ApiProperty({ description: 'Hosts whose scan result is complete' }) hostsScanned!: number;
  @ApiProperty() hostsVulnerable!: number;
  @ApiProperty() hostsClean!: number;
  @ApiProperty({ type: [CveCountDto] }) byCve!: CveCountDto[];
}

export class CampaignDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: CAMPAIGN_KINDS }) kind!: CampaignKind;
  @ApiProperty({ description: 'The kind of the commands it creates' }) commandKind!: KindName;
  @ApiProperty({ type: Object, description: "The command kind's parameters as given" })
  params!: Record<string, unknown>;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status!: CampaignStatus;
  @ApiProperty({ nullable: true, type: String }) statusReason!: string | null;
  @ApiProperty({ type: CampaignSelectorDto }) selector!: CampaignSelectorDto;
  @ApiPropertyOptional({ type: Object, description: 'params again, for a campaign of scans' })
  scan?: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: Number }) pacePerSecond!: number | null;
  @ApiProperty() canarySize!: number;
  @ApiProperty({ nullable: true, type: Number }) failureThreshold!: number | null;
  @ApiProperty({ nullable: true, type: Number }) jitterWindowS!: number | null;
  @ApiProperty() targetCount!: number;
  @ApiProperty({ nullable: true, type: String }) scheduleId!: string | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ nullable: true, type: String }) canaryPassedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) pausedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
}

export class CampaignDetailDto extends CampaignDto {
  @ApiProperty({ type: CoverageDto }) coverage!: CoverageDto;
  @ApiProperty({ type: CampaignFindingsDto }) findings!: CampaignFindingsDto;
}

/** What a campaign is created from, whether by an operator or by a schedule's run. */
export interface CampaignSpec {
  /** A caller-chosen id (a verification derives it from the remediation): created once. */
  id?: string;
  name: string;
  kind: CampaignKind;
  selector: CampaignSelectorDto;
  /** The parameters of its command kind (commandKindOf(kind)), validated. */
  params: object;
  expiresAt: Date;
  pacePerSecond: number | null;
  canarySize: number;
  failureThreshold: number | null;
  jitterWindowS: number | null;
  scheduleId: string | null;
  runKey: string | null;
}
