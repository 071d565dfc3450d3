import { parseJsonObject } from '../common/json-column';
import { ScheduleEntity } from './schedule.entity';
import { ScheduleDto } from './schedules.dto';

export function toScheduleDto(entity: ScheduleEntity, nextRunAt: Date | null): ScheduleDto {
  const params = parseJsonObject(entity.params);
  return {
    id: entity.id,
    name: entity.name,
    cron: entity.cron,
    everySeconds: entity.everyS,
    timezone: entity.timezone,
    selector: parseJsonObject(entity.selector),
    kind: entity.commandKind,
    params,
    // The field schedules of scans answered with before params existed.
    ...(entity.commandKind === 'scan' ? { scan: params } : {}),
    jitterWindowSeconds: entity.jitterWindowS,
    campaignTtlSeconds: entity.campaignTtlS,
    failureThreshold: entity.failureThreshold,
    runCount: entity.runCount,
    lastRunAt: entity.lastRunAt?.toISOString() ?? null,
    lastCampaignId: entity.lastCampaignId,
    nextRunAt: nextRunAt?.toISOString() ?? null,
    pausedReason: entity.pausedReason,
    createdBy: entity.createdBy,
    createdAt: entity.createdAt.toISOString(),
  };
}
