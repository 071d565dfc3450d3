export interface ParsedAgentCredential {
  agentId: string;
  secret: string;
}

const CREDENTIAL =
  /^Bearer\s+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([0-9a-f]{64})$/i;

/** "authorization: Bearer <agent_id>.<secret>" as the contract puts it. */
export function parseAgentAuthorization(header: string | undefined): ParsedAgentCredential | null {
  if (!header) return null;
  const match = CREDENTIAL.exec(header.trim());
  return match ? { agentId: match[1].toLowerCase(), secret: match[2].toLowerCase() } : null;
}
