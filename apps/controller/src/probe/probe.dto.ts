import { PROBE_LIMITS } from '@log4fleet/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsIP,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsIntInRange } from '../common/validators';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)$/;

/** A listener to probe on one host: an address of that host (checked against its own) and a port. */
export class ProbeTargetDto {
  @ApiPropertyOptional({
    description:
      "An address of the host itself (loopback or one the agent reported); empty: the listener's own (loopback for a wildcard bind)",
    maxLength: PROBE_LIMITS.addressBytes,
  })
  @IsOptional()
  @IsString()
  @MaxLength(PROBE_LIMITS.addressBytes)
  @ValidateIf((o: ProbeTargetDto) => o.address !== undefined && o.address !== '')
  @IsIP()
  address?: string;

  @ApiProperty({ minimum: 1, maximum: 65535 })
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;
}

/**
 * A target of a campaign's probe: the same command goes to many hosts, so its address can only
 * be one every host has (loopback) or none.
 */
export class CampaignProbeTargetDto extends ProbeTargetDto {
  @ApiPropertyOptional({ description: 'Loopback (127.x.x.x or ::1), or empty' })
  @IsOptional()
  @IsString()
  @ValidateIf((o: CampaignProbeTargetDto) => o.address !== undefined && o.address !== '')
  @Matches(LOOPBACK, {
    message: 'address must be loopback or empty in a campaign: each host is probed on its own',
  })
  declare address?: string;
}

class ProbeBoundsDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: PROBE_LIMITS.ratePerSecond,
    description: `Requests per second; 0: ${PROBE_LIMITS.defaultRatePerSecond}`,
  })
  @IsOptional()
  @IsIntInRange(0, PROBE_LIMITS.ratePerSecond)
  ratePerSecond?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: PROBE_LIMITS.maxRequests,
    description: `Requests in all; 0: ${PROBE_LIMITS.defaultMaxRequests}`,
  })
  @IsOptional()
  @IsIntInRange(0, PROBE_LIMITS.maxRequests)
  maxRequests?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: PROBE_LIMITS.timeBudgetSeconds,
    description: `Seconds after which no request starts; 0: ${PROBE_LIMITS.defaultTimeBudgetSeconds}`,
  })
  @IsOptional()
  @IsIntInRange(0, PROBE_LIMITS.timeBudgetSeconds)
  timeBudgetSeconds?: number;
}

/** A probe's parameters in a campaign or a schedule. */
export class ProbeParamsDto extends ProbeBoundsDto {
  @ApiPropertyOptional({
    type: [CampaignProbeTargetDto],
    description: 'Listeners to probe; empty: every JVM listener of each host',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PROBE_LIMITS.targets)
  @ValidateNested({ each: true })
  @Type(() => CampaignProbeTargetDto)
  targets?: CampaignProbeTargetDto[];
}

/** POST /hosts/:id/probe. */
export class CreateProbeDto extends ProbeBoundsDto {
  @ApiPropertyOptional({
    type: [ProbeTargetDto],
    description: 'Listeners to probe; empty: every JVM listener of the host',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PROBE_LIMITS.targets)
  @ValidateNested({ each: true })
  @Type(() => ProbeTargetDto)
  targets?: ProbeTargetDto[];

  @ApiPropertyOptional({
    minimum: 60,
    maximum: 2592000,
    description: 'Seconds after which the agent must not start it',
  })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(30 * 86_400)
  expiresInSeconds?: number;
}

export class ProbeProcessDto {
  @ApiProperty() pid!: number;
  @ApiProperty() comm!: string;
}

export class ProbeTargetResultDto {
  @ApiProperty() address!: string;
  @ApiProperty() port!: number;
  @ApiProperty({ type: [ProbeProcessDto] }) processes!: ProbeProcessDto[];
  @ApiProperty({ enum: ['probed', 'partial', 'not-http', 'unreachable'] }) outcome!: string;
  @ApiProperty({ description: 'http, https or empty' }) scheme!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() tokens!: number;
  @ApiProperty() error!: string;
}

export class ProbeFindingDto {
  @ApiProperty() address!: string;
  @ApiProperty() port!: number;
  @ApiProperty({ enum: ['header', 'query', 'form', 'json'] }) location!: string;
  @ApiProperty() field!: string;
  @ApiProperty({ enum: ['plain', 'lower', 'default-value', 'env-default', 'dns'] }) form!: string;
  @ApiProperty({ enum: ['ldap', 'dns'] }) protocol!: string;
  @ApiProperty() token!: string;
  @ApiProperty() callbackAt!: string;
  @ApiProperty({ nullable: true, type: Number }) pid!: number | null;
  @ApiProperty() comm!: string;
  @ApiProperty() message!: string;
}

export class ProbeRunDto {
  @ApiProperty() commandId!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty({
    enum: ['exploitable', 'no-callback', 'inconclusive', ''],
    description: "'' until every result part arrived",
  })
  verdict!: string;
  @ApiProperty() startedAt!: string;
  @ApiProperty() finishedAt!: string;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty() requests!: number;
  @ApiProperty({ type: [ProbeTargetResultDto] }) targets!: ProbeTargetResultDto[];
  @ApiProperty({ type: [ProbeFindingDto] }) findings!: ProbeFindingDto[];
  @ApiProperty({ type: [String] }) errors!: string[];
  @ApiProperty({ type: [Object], description: 'Callbacks with a token of no probe of this run' })
  unmatched!: object[];
}

export class ProbeEvidenceDto {
  @ApiProperty() address!: string;
  @ApiProperty() port!: number;
  @ApiProperty() location!: string;
  @ApiProperty() field!: string;
  @ApiProperty() form!: string;
  @ApiProperty() protocol!: string;
  @ApiProperty({ nullable: true, type: Number }) pid!: number | null;
  @ApiProperty() comm!: string;
}

/** The host-level record of the probes (probe-rules.ts nextHostProbeRecord). */
export class HostProbeStateDto {
  @ApiProperty({ description: 'A running service was shown to perform JNDI lookups of user input' })
  exploitable!: boolean;
  @ApiProperty({ enum: ['exploitable', 'no-callback', 'inconclusive'] }) lastVerdict!: string;
  @ApiProperty() lastCommandId!: string;
  @ApiProperty({ nullable: true, type: String }) exploitableCommandId!: string | null;
  @ApiProperty({ nullable: true, type: String }) exploitableSince!: string | null;
  @ApiProperty({ type: [ProbeEvidenceDto] }) evidence!: ProbeEvidenceDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      "The newest probe with no callback on every evidence port: the second method's confirmation",
  })
  confirmedCleanCommandId!: string | null;
  @ApiProperty({ nullable: true, type: String }) confirmedCleanAt!: string | null;
  @ApiProperty() updatedAt!: string;
}

export class HostProbesDto {
  @ApiProperty({ type: HostProbeStateDto, nullable: true }) state!: HostProbeStateDto | null;
  @ApiProperty({ type: [ProbeRunDto], description: 'The newest probes first (at most 20)' })
  runs!: ProbeRunDto[];
}
