import { SCAN_LIMITS } from '@log4fleet/contracts';
import { ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  type ValidationArguments,
} from 'class-validator';
import { IsPathTextList } from '../common/path-text.validator';
import { IsIntInRange } from '../common/validators';

/** The numbers' bounds: one definition with the agent's (libs/contracts SCAN_LIMITS). */
export const SCAN_BOUNDS = {
  maxDepth: SCAN_LIMITS.maxDepth,
  maxNestedBytes: SCAN_LIMITS.maxNestedBytes,
  threads: SCAN_LIMITS.threads,
} as const;

export class CreateScanDto {
  @ApiPropertyOptional({
    type: [String],
    description:
      'Absolute paths to scan; empty means "/". The text form findings show: \\xNN is a byte, \\\\ a backslash; at most 4096 bytes each',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SCAN_LIMITS.paths)
  @IsString({ each: true })
  @Matches(/^\//, {
    each: true,
    message: ({ value }: ValidationArguments) =>
      `paths must be absolute (start with "/"): ${JSON.stringify(
        Array.isArray(value) ? (value as unknown[]).find((p) => !String(p).startsWith('/')) : value,
      )} is relative, and a relative path names no place on the host for sure`,
  })
  @MaxLength(4 * 4096, { each: true })
  @IsPathTextList(SCAN_LIMITS.pathBytes)
  paths?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SCAN_LIMITS.excludes)
  @IsString({ each: true })
  @MaxLength(SCAN_LIMITS.excludeChars, { each: true })
  exclude?: string[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean() includeNetworkFs?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() oneFileSystem?: boolean;
  @ApiPropertyOptional({ minimum: 0, maximum: SCAN_BOUNDS.maxDepth, description: '0: default' })
  @IsOptional()
  @IsIntInRange(0, SCAN_BOUNDS.maxDepth)
  maxDepth?: number;
  @ApiPropertyOptional({
    minimum: 0,
    maximum: SCAN_BOUNDS.maxNestedBytes,
    description: 'Nested archives up to this size are read in memory; 0: default (64 MiB)',
  })
  @IsOptional()
  @IsIntInRange(0, SCAN_BOUNDS.maxNestedBytes)
  maxNestedBytes?: number;
  @ApiPropertyOptional({
    minimum: 0,
    maximum: SCAN_BOUNDS.threads,
    description: "Worker threads; 0: the host's cores",
  })
  @IsOptional()
  @IsIntInRange(0, SCAN_BOUNDS.threads)
  threads?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() nice?: boolean;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() processes?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() processesOnly?: boolean;

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

/** A scan's parameters in a campaign or a schedule: the campaign's expiresAt replaces a per-command expiry. */
export class ScanParamsDto extends OmitType(CreateScanDto, ['expiresInSeconds'] as const) {}
