import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/pagination.dto';
import { IsUuid } from '../common/validators';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(128) actor?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) action?: string;
  @ApiPropertyOptional() @IsOptional() @IsUuid() hostId?: string;
  @ApiPropertyOptional({ description: 'ISO-8601 timestamp, inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;
  @ApiPropertyOptional({ description: 'ISO-8601 timestamp, exclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

export class AuditEventDto {
  @ApiProperty() id!: string;
  @ApiProperty() at!: string;
  @ApiProperty() actor!: string;
  @ApiProperty() action!: string;
  @ApiProperty({ nullable: true, type: String }) hostId!: string | null;
  @ApiProperty({ type: Object }) details!: Record<string, unknown>;
}

export interface AuditRecord {
  actor: string;
  action: string;
  hostId?: string | null;
  details?: Record<string, unknown>;
}
