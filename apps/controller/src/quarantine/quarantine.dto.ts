import { QUARANTINE_LIMITS } from '@log4fleet/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsIP,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsIntInRange } from '../common/validators';

export const QUARANTINE_MODES = ['isolate', 'egress-block'] as const;
export type QuarantineMode = (typeof QUARANTINE_MODES)[number];
const PROTOCOLS = ['tcp', 'udp'] as const;
/** An IPv4/IPv6 address with an optional prefix length; the agent checks it fully (libs/quarantine). */
const CIDR = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

export class QuarantineAllowDto {
  @ApiProperty({ example: '10.20.0.0/24', description: 'an address or prefix; /0 is refused' })
  @IsString()
  @MaxLength(QUARANTINE_LIMITS.addressBytes)
  @Matches(CIDR, { message: 'cidr must be an IPv4 or IPv6 address, optionally with /prefix' })
  @Matches(/^(?!.*\/0+$)/, { message: 'cidr /0 allows every address: that is no quarantine' })
  cidr!: string;

  @ApiProperty({ enum: PROTOCOLS }) @IsIn(PROTOCOLS) protocol!: 'tcp' | 'udp';

  @ApiPropertyOptional({ minimum: 1, maximum: 65535, description: 'absent: every port' })
  @IsOptional()
  @IsIntInRange(1, 65535)
  port?: number;
}

export class QuarantineProbeDto {
  @ApiProperty({ description: 'an address that must be unreachable once contained' })
  @IsIP()
  address!: string;
  @ApiProperty({ minimum: 1, maximum: 65535 }) @IsIntInRange(1, 65535) port!: number;
  @ApiProperty({ enum: PROTOCOLS }) @IsIn(PROTOCOLS) protocol!: 'tcp' | 'udp';
}

/** A quarantine's parameters: what the agent receives (a campaign's params too). */
export class QuarantineParamsDto {
  @ApiProperty({
    enum: QUARANTINE_MODES,
    description:
      'isolate: drop everything but the controller and the allowlist; egress-block: drop outbound LDAP, RMI and DNS except to the named resolvers',
  })
  @IsIn(QUARANTINE_MODES)
  mode!: QuarantineMode;

  @ApiPropertyOptional({ type: [QuarantineAllowDto], description: 'isolate only' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(QUARANTINE_LIMITS.allowlistEntries)
  @ValidateNested({ each: true })
  @Type(() => QuarantineAllowDto)
  allowlist?: QuarantineAllowDto[];

  @ApiPropertyOptional({ type: [String], description: 'egress-block only: resolver addresses' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(QUARANTINE_LIMITS.resolvers)
  @IsIP(undefined, { each: true })
  resolvers?: string[];

  @ApiPropertyOptional({ type: QuarantineProbeDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuarantineProbeDto)
  probe?: QuarantineProbeDto;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: QUARANTINE_LIMITS.maxDeadlineS,
    description: `seconds the controller has to answer over the new rules before the agent rolls back (default ${QUARANTINE_LIMITS.defaultDeadlineS})`,
  })
  @IsOptional()
  @IsIntInRange(1, QUARANTINE_LIMITS.maxDeadlineS)
  deadlineSeconds?: number;

  @ApiPropertyOptional({
    type: [String],
    description:
      "addresses of this controller to pin instead of the agent resolving its controller's name (all addresses of a load-balanced controller)",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(QUARANTINE_LIMITS.controllerAddresses)
  @IsIP(undefined, { each: true })
  controllerAddresses?: string[];
}

/** Why, for the audit trail (advisory: record everything done to each asset). */
class ContainmentReasonDto {
  @ApiPropertyOptional({ maxLength: 512 })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  reason?: string;

  @ApiPropertyOptional({ maxLength: 128, description: 'incident or change ticket' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  ticket?: string;

  @ApiPropertyOptional({ minimum: 60, maximum: 30 * 86400, description: 'default 1 hour' })
  @IsOptional()
  @IsIntInRange(60, 30 * 86400)
  expiresInSeconds?: number;
}

export class CreateQuarantineDto extends QuarantineParamsDto {
  @ApiPropertyOptional({ maxLength: 512 })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  reason?: string;

  @ApiPropertyOptional({ maxLength: 128, description: 'incident or change ticket' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  ticket?: string;

  @ApiPropertyOptional({ minimum: 60, maximum: 30 * 86400, description: 'default 1 hour' })
  @IsOptional()
  @IsIntInRange(60, 30 * 86400)
  expiresInSeconds?: number;
}

/** A release takes no parameters (a campaign's params are {}). */
export class ReleaseParamsDto {}

export class CreateReleaseDto extends ContainmentReasonDto {}
