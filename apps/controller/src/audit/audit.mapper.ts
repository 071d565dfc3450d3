import { parseJsonObject } from '../common/json-column';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEventDto } from './audit.dto';

export function toAuditEventDto(entity: AuditEventEntity): AuditEventDto {
  return {
    id: entity.id,
    at: entity.at.toISOString(),
    actor: entity.actor,
    action: entity.action,
    hostId: entity.hostId,
    details: parseJsonObject(entity.details),
  };
}
