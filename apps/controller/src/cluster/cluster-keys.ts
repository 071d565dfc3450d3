import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** This process's identity in the cluster: stable for its life, unique across restarts. */
export function newProcessId(): string {
  return `${hostname()
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Redis keys of the cluster directory; all under the deployment's prefix. */
export function clusterKeys(prefix: string) {
  return {
    /** Set of process ids that announced themselves (pruned when their liveness key is gone). */
    processes: `${prefix}:cluster:processes`,
    /** String with a TTL refreshed by the process heartbeat. */
    alive: (processId: string) => `${prefix}:cluster:alive:${processId}`,
    /** Hash agentId -> connected-at ms of the agents this process holds; same TTL as alive. */
    agents: (processId: string) => `${prefix}:cluster:agents:${processId}`,
    /** Pub/sub channel on which other processes ask this one to push to its agents. */
    channel: (processId: string) => `${prefix}:cluster:push:${processId}`,
  };
}

/** Among the processes that claim an agent, the one it connected to last holds its stream. */
export function pickHolder(
  claims: Array<{ processId: string; connectedAtMs: number }>,
): string | null {
  let best: { processId: string; connectedAtMs: number } | null = null;
  for (const claim of claims) if (!best || claim.connectedAtMs > best.connectedAtMs) best = claim;
  return best?.processId ?? null;
}
