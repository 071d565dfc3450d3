import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { PageQueryDto } from '../common/pagination.dto';
import { CONTAINMENT_STATES, ContainmentState, HOST_STATUSES, HostStatus } from './host.entity';

const TAG = /^[A-Za-z0-9_.:/=-]{1,64}$/;

/** "true"/"false" in a query string to a boolean; anything else is left for @IsBoolean to refuse. */
const queryBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class HostQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: HOST_STATUSES })
  @IsOptional()
  @IsIn(HOST_STATUSES)
  status?: HostStatus;
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(TAG, { message: 'tag must be 1-64 of A-Z a-z 0-9 _ . : / = -' })
  tag?: string;
  @ApiPropertyOptional({ example: 'CVE-2021-44228' })
  @IsOptional()
  @Matches(/^CVE-\d{4}-\d{4,7}$/, { message: 'cve must look like CVE-2021-44228' })
  cve?: string;
  @ApiPropertyOptional({ example: 'log4j-core' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  product?: string;
  @ApiPropertyOptional({ example: '2.14.1' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  version?: string;
  @ApiPropertyOptional({
    description:
      'true: only flagged hosts (e.g. clean without a recorded remediation); false: only the others',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean({ message: 'flagged must be true or false' })
  flagged?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) lastSeenBefore?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) lastSeenAfter?: string;
}

export class ClearFlagDto {
  @ApiProperty({
    description: 'Why the flag no longer applies (1-2000 characters), kept in the audit log',
  })
  @IsString()
  @Length(1, 2000)
  note!: string;
}

export class UpdateHostDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMaxSize(64)
  @Transform(({ value }: { value: unknown }) =>
    Array.isArray(value) ? [...new Set(value)] : value,
  )
  @Matches(TAG, { each: true, message: 'each tag must be 1-64 of A-Z a-z 0-9 _ . : / = -' })
  tags!: string[];
}

export class HostContainmentDto {
  @ApiProperty({ enum: CONTAINMENT_STATES }) state!: ContainmentState;
  @ApiProperty({ nullable: true, type: String, description: 'isolate or egress-block' })
  mode!: string | null;
  @ApiProperty({ nullable: true, type: String }) commandId!: string | null;
  @ApiProperty({ nullable: true, type: String }) changedAt!: string | null;
  @ApiProperty({ type: Object, description: 'evidence (verified) or reason (failed, tampered)' })
  detail!: Record<string, unknown>;
}

export class HostDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty() fqdn!: string;
  @ApiProperty() machineId!: string;
  @ApiProperty() osName!: string;
  @ApiProperty() osVersion!: string;
  @ApiProperty() kernel!: string;
  @ApiProperty() arch!: string;
  @ApiProperty({ type: [String] }) addresses!: string[];
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ enum: HOST_STATUSES }) status!: HostStatus;
  @ApiProperty({
    description:
      'Raised with a reason (a host that was vulnerable came out clean with no remediation on record); cleared by an admin (POST /hosts/:id/flag/clear) or by the event that resolves it (vulnerable again, a remediation verified)',
  })
  flagged!: boolean;
  @ApiProperty({ nullable: true, type: String }) flagReason!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastSeenAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastScanAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'The newest completed scan; the current findings are the union of what the latest scans saw (GET /findings?hostId=)',
  })
  lastScanRunId!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: HostContainmentDto })
  containment!: HostContainmentDto | null;
}

/** Host facts as the agent reports them (proto HostFacts), after validation. */
export interface HostFactsInput {
  hostname: string;
  fqdn: string;
  machineId: string;
  osName: string;
  osVersion: string;
  kernel: string;
  arch: string;
  addresses: string[];
}

export const HOST_TAG_PATTERN = TAG;
