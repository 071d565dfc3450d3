/**
 * Trailer of the PERMISSION_DENIED status that ends a revoked agent's calls; its value says why
 * ("replaced by agent <id> at <time>", "revoked by <actor> at <time>"). An agent that reads it
 * stops reconnecting: retrying cannot succeed until it is enrolled again.
 */
export const AGENT_REVOKED_TRAILER = 'log4fleet-agent-revoked';
