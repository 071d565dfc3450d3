import { FIX_LIMITS } from '@log4fleet/contracts';
import { ApiProperty, ApiPropertyOptional, OmitType, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsPathTextList } from '../common/path-text.validator';

const PATHS_DOC =
  'Files on the host, absolute. The text form findings show: \\xNN is a byte, \\\\ a backslash; at most 4096 bytes each';

export class CreateFixDto {
  @ApiPropertyOptional({
    type: [String],
    description: `${PATHS_DOC}. A symlink fixes its target. Give paths, findingIds or both.`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(FIX_LIMITS.paths)
  @IsString({ each: true })
  @MaxLength(4 * FIX_LIMITS.pathBytes, { each: true })
  @IsPathTextList(FIX_LIMITS.pathBytes)
  paths?: string[];

  @ApiPropertyOptional({
    type: [String],
    description:
      'Findings of this host (GET /findings ids): the files on disk that hold them are fixed',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(FIX_LIMITS.paths)
  @IsUUID('all', { each: true })
  findingIds?: string[];

  @ApiPropertyOptional({ description: 'Say what would be removed, change nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({
    description:
      'Fix signed jars too: their signature files (.SF/.RSA/.DSA/.EC) and manifest digests are removed. Without it a signed jar is refused.',
  })
  @IsOptional()
  @IsBoolean()
  stripSignatures?: boolean;

  @ApiPropertyOptional({
    description:
      'For log4j 1.x, remove the classes of its CVEs (JMSAppender, JMSSink, SocketServer, SocketNode, JDBCAppender, chainsaw). Without it 1.x is refused.',
  })
  @IsOptional()
  @IsBoolean()
  log4j1?: boolean;

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

/** A fix's parameters in a campaign: the campaign's expiresAt replaces a per-command expiry. */
export class FixParamsDto extends PickType(CreateFixDto, [
  'dryRun',
  'stripSignatures',
  'log4j1',
] as const) {
  // A campaign names files: finding ids belong to one host.
  @ApiProperty({ type: [String], description: PATHS_DOC })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(FIX_LIMITS.paths)
  @IsString({ each: true })
  @MaxLength(4 * FIX_LIMITS.pathBytes, { each: true })
  @IsPathTextList(FIX_LIMITS.pathBytes)
  paths!: string[];
}

export class CreateRestoreDto {
  @ApiProperty({ type: [String], description: `${PATHS_DOC}. Files fixed earlier.` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(FIX_LIMITS.paths)
  @IsString({ each: true })
  @MaxLength(4 * FIX_LIMITS.pathBytes, { each: true })
  @IsPathTextList(FIX_LIMITS.pathBytes)
  paths!: string[];

  @ApiPropertyOptional({ description: 'Restore even when the file changed since the fix' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional({
    description: "The fix command whose backup to put back; default: each file's latest backup",
  })
  @IsOptional()
  @IsUUID()
  fixCommandId?: string;

  @ApiPropertyOptional({ minimum: 60, maximum: 2592000 })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(30 * 86_400)
  expiresInSeconds?: number;
}

export class RestoreParamsDto extends OmitType(CreateRestoreDto, ['expiresInSeconds'] as const) {}
