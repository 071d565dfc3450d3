import type { EnrollRefusal } from '@log4fleet/contracts';
import { DomainErrorCode, DomainException } from '../common/domain.exception';

/** An enrollment refused because it would replace a host's agent without the right to. */
export class EnrollmentRefusedException extends DomainException {
  constructor(
    code: DomainErrorCode,
    message: string,
    readonly hostId: string | null,
    readonly reason: EnrollRefusal,
  ) {
    super(code, message);
  }
}

export interface EnrollingMachine {
  machineId: string;
  /** The host already enrolled with this machine id, if any. */
  host: { id: string; hostname: string } | null;
  /** Its agents not revoked. */
  activeAgentIds: readonly string[];
  /** The enrollment presented the credential of one of those agents. */
  proven: boolean;
  credentialPresented: boolean;
  token: { id: string; replaceHostId: string | null };
}

/**
 * Issue 12 H1: anyone holding an enrollment token and a machine id (shown to every viewer, and
 * world-readable in /etc/machine-id) could otherwise take a host over. Replacing a host's active
 * agent needs that agent's credential or a token an admin created for the host; a machine with
 * no active agent (never enrolled, or every agent revoked) enrolls with any token.
 * Returns the refusal, or null when the enrollment may go on.
 */
export function replacementRefusal(m: EnrollingMachine): EnrollmentRefusedException | null {
  const target = m.token.replaceHostId;
  if (target !== null && m.host?.id !== target)
    return new EnrollmentRefusedException(
      DomainErrorCode.PermissionDenied,
      `enrollment token ${m.token.id} replaces the agent of host ${target} only; machine ${m.machineId} is ${m.host ? `host ${m.host.id}` : 'not enrolled'}`,
      m.host?.id ?? null,
      'token-for-other-host',
    );
  if (!m.host || m.activeAgentIds.length === 0) return null;
  if (target === m.host.id || m.proven) return null;
  const presented = m.credentialPresented ? "the credential presented is not that agent's; " : '';
  return new EnrollmentRefusedException(
    DomainErrorCode.FailedPrecondition,
    `machine ${m.machineId} is enrolled as host ${m.host.id} (${m.host.hostname}) with active agent ${m.activeAgentIds.join(', ')}; ${presented}` +
      "replacing it needs that agent's credential (enroll --force from its state directory), " +
      `an enrollment token created with {"replaceHostId":"${m.host.id}"}, or revoking the agent first`,
    m.host.id,
    'active-agent',
  );
}
