import { DomainErrorCode, DomainException } from '../common/domain.exception';

/**
 * A revoked agent's call. PERMISSION_DENIED, and the reason goes to the agent (gRPC trailer
 * AGENT_REVOKED_TRAILER) so that it stops retrying what cannot succeed until it is enrolled again.
 */
export class AgentRevokedException extends DomainException {
  constructor(
    readonly agentId: string,
    readonly reason: string,
  ) {
    super(
      DomainErrorCode.PermissionDenied,
      `agent ${agentId} is revoked (${reason}); it must be enrolled again`,
    );
  }
}

export function replacedReason(newAgentId: string, at: Date): string {
  return `replaced by agent ${newAgentId} at ${at.toISOString()}`;
}

export function revokedByReason(actor: string, at: Date): string {
  return `revoked by ${actor.slice(0, 128)} at ${at.toISOString()}`;
}
