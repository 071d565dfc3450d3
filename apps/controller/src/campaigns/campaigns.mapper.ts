import { parseJsonObject } from '../common/json-column';
import { CampaignEntity } from './campaign.entity';
import { CampaignDto } from './campaigns.dto';

export function toCampaignDto(entity: CampaignEntity): CampaignDto {
  const params = parseJsonObject(entity.params);
  return {
    id: entity.id,
    name: entity.name,
    kind: entity.kind,
    commandKind: entity.commandKind,
    params,
    // The field campaigns of scans answered with before params existed.
    ...(entity.commandKind === 'scan' ? { scan: params } : {}),
    status: entity.status,
    statusReason: entity.statusReason,
    selector: parseJsonObject(entity.selector),
    pacePerSecond: entity.pacePerSecond,
    canarySize: entity.canarySize,
    failureThreshold: entity.failureThreshold,
    jitterWindowS: entity.jitterWindowS,
    targetCount: entity.targetCount,
    scheduleId: entity.scheduleId,
    createdBy: entity.createdBy,
    createdAt: entity.createdAt.toISOString(),
    expiresAt: entity.expiresAt.toISOString(),
    canaryPassedAt: entity.canaryPassedAt?.toISOString() ?? null,
    pausedAt: entity.pausedAt?.toISOString() ?? null,
    finishedAt: entity.finishedAt?.toISOString() ?? null,
  };
}
