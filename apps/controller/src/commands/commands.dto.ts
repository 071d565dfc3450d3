import { IsPathTextList } from '../common/path-text.validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { COMMAND_STATES, CommandStateName } from './command.entity';

export class CreateScanDto {
  @ApiPropertyOptional({
    type: [String],
    description:
      'Paths to scan; empty means "/". The text form findings show: \\xNN is a byte, \\\\ a backslash; at most 4096 bytes each',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MaxLength(4 * 4096, { each: true })
  @IsPathTextList(4096)
  paths?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  exclude?: string[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean() includeNetworkFs?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() oneFileSystem?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(64) maxDepth?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) maxNestedBytes?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(256) threads?: number;
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

/** What a scan command carries, as stored in commands.payload. */
export interface ScanParams {
  /** In the text form of common/path-text.ts, as the request gave them. */
  paths: string[];
  exclude: string[];
  includeNetworkFs: boolean;
  oneFileSystem: boolean;
  maxDepth: number;
  maxNestedBytes: number;
  threads: number;
  nice: boolean;
  processes: boolean;
  processesOnly: boolean;
}

export class CommandDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() agentId!: string;
  @ApiProperty({ enum: ['scan'] }) kind!: string;
  @ApiProperty({ type: Object }) payload!: Record<string, unknown>;
  @ApiProperty({ enum: COMMAND_STATES }) state!: CommandStateName;
  @ApiProperty({ nullable: true, type: String }) message!: string | null;
  @ApiProperty({ nullable: true, type: Number }) totalChunks!: number | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ description: 'When the command entered each state it went through', type: Object })
  timestamps!: Partial<Record<CommandStateName, string>>;
  @ApiProperty({ description: 'Whether it was pushed to a connected agent when created' })
  pushed?: boolean;
}

export interface CommandUpdateInput {
  commandId: string;
  state: 'delivered' | 'started' | 'succeeded' | 'failed';
  message: string;
  atMs: number;
  totalChunks: number;
}
