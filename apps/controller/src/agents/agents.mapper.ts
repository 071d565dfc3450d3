import { AgentEntity } from './agent.entity';
import { AgentDto } from './agents.dto';

export function toAgentDto(agent: AgentEntity, connected: boolean): AgentDto {
  return {
    id: agent.id,
    hostId: agent.hostId,
    version: agent.version,
    revoked: agent.revoked,
    connected,
    lastSeenAt: agent.lastSeenAt?.toISOString() ?? null,
    revokedAt: agent.revokedAt?.toISOString() ?? null,
    createdAt: agent.createdAt.toISOString(),
  };
}
