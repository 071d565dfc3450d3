import { parseJsonArray } from '../common/json-column';
import { EnrollmentTokenEntity } from './enrollment-token.entity';
import { EnrollmentTokenDto } from './enrollment.dto';

export function toEnrollmentTokenDto(entity: EnrollmentTokenEntity): EnrollmentTokenDto {
  return {
    id: entity.id,
    name: entity.name,
    expiresAt: entity.expiresAt.toISOString(),
    maxUses: entity.maxUses,
    uses: entity.uses,
    tags: parseJsonArray(entity.tags),
    revoked: entity.revoked,
    replaceHostId: entity.replaceHostId ?? null,
    createdBy: entity.createdBy,
    createdAt: entity.createdAt.toISOString(),
  };
}
