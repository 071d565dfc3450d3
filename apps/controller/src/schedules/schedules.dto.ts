import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { CampaignScanOptionsDto, CampaignSelectorDto } from '../campaigns/campaigns.dto';
import { IsCommandKindFor, KindParams } from '../commands/kind-params';
import { SCHEDULE_COMMAND_KINDS, type KindName } from '../commands/kinds';
import { MIN_SCHEDULE_INTERVAL_S, scheduleTimingProblem } from './schedule-interval';

/**
 * The cron's next fire times (cron-parser, as BullMQ computes them, in the schedule's timezone)
 * must all be at least MIN_SCHEDULE_INTERVAL_S apart: a six-field cron could otherwise start a
 * fleet-wide campaign every second.
 */
function IsSlowEnoughCron(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSlowEnoughCron',
      validator: {
        validate: (value: unknown, args) =>
          typeof value !== 'string' ||
          scheduleTimingProblem({
            cron: value,
            timezone: (args?.object as CreateScheduleDto | undefined)?.timezone,
          }) === null,
        defaultMessage: (args) =>
          scheduleTimingProblem({
            cron: String(args?.value),
            timezone: (args?.object as CreateScheduleDto | undefined)?.timezone,
          }) ?? 'cron is refused',
      },
    },
    options,
  );
}

export class CreateScheduleDto {
  @ApiPropertyOptional({ maxLength: 128 }) @IsOptional() @IsString() @MaxLength(128) name?: string;

  @ApiPropertyOptional({
    example: '0 3 * * *',
    description: `Cron pattern (5 fields, or 6 with seconds first); give this or everySeconds. Runs must be at least ${MIN_SCHEDULE_INTERVAL_S} s apart.`,
  })
  @IsOptional()
  @IsString()
  @Matches(/^\S+( \S+){4,5}$/, { message: 'cron must have 5 or 6 space-separated fields' })
  @MaxLength(128)
  @IsSlowEnoughCron()
  cron?: string;

  @ApiPropertyOptional({
    minimum: 60,
    maximum: 2592000,
    description: 'Run every N seconds; give this or cron',
  })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(30 * 86_400)
  everySeconds?: number;

  @ApiPropertyOptional({ example: 'Europe/Paris' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9_+\-/]+$/)
  timezone?: string;

  @ApiProperty({ type: CampaignSelectorDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => CampaignSelectorDto)
  selector!: CampaignSelectorDto;

  @ApiPropertyOptional({
    enum: SCHEDULE_COMMAND_KINDS,
    default: 'scan',
    description: 'The command kind each run sends every host (a kind that allows schedules)',
  })
  @IsOptional()
  @IsCommandKindFor('schedules')
  kind?: KindName;

  @ApiPropertyOptional({
    type: Object,
    description:
      "The command kind's parameters, validated by that kind (for scan: the fields of POST /hosts/:id/scans but expiresInSeconds)",
  })
  @KindParams((body) => body.kind ?? 'scan')
  params?: object;

  @ApiPropertyOptional({
    type: CampaignScanOptionsDto,
    description: 'The params of kind scan, as before params existed (not with params)',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => CampaignScanOptionsDto)
  scan?: CampaignScanOptionsDto;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 86400,
    default: 900,
    description: 'Each host starts at hash(host, run) mod this window',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400)
  jitterWindowSeconds?: number;

  @ApiPropertyOptional({
    minimum: 300,
    maximum: 2592000,
    default: 86400,
    description: "Each run's campaign expires after this",
  })
  @IsOptional()
  @IsInt()
  @Min(300)
  @Max(30 * 86_400)
  campaignTtlSeconds?: number;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  failureThreshold?: number;
}

export class ScheduleDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) cron!: string | null;
  @ApiProperty({ nullable: true, type: Number }) everySeconds!: number | null;
  @ApiProperty({ nullable: true, type: String }) timezone!: string | null;
  @ApiProperty({ type: CampaignSelectorDto }) selector!: CampaignSelectorDto;
  @ApiProperty({ description: 'The kind of the commands its campaigns create' }) kind!: KindName;
  @ApiProperty({ type: Object, description: "The command kind's parameters as given" })
  params!: Record<string, unknown>;
  @ApiPropertyOptional({ type: Object, description: 'params again, for a schedule of scans' })
  scan?: Record<string, unknown>;
  @ApiProperty() jitterWindowSeconds!: number;
  @ApiProperty() campaignTtlSeconds!: number;
  @ApiProperty({ nullable: true, type: Number }) failureThreshold!: number | null;
  @ApiProperty() runCount!: number;
  @ApiProperty({ nullable: true, type: String }) lastRunAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastCampaignId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Next run as BullMQ plans it' })
  nextRunAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Set when the controller stopped running this schedule, and why',
  })
  pausedReason!: string | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
}
