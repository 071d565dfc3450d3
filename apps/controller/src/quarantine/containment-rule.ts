import type { ContainmentState, HostStatus } from '../hosts/host.entity';

/** What a containment command's outcome means for its host. */
export type ContainmentOutcome =
  | { kind: 'quarantine'; event: 'requested' | 'succeeded' }
  | { kind: 'quarantine'; event: 'results'; state: string }
  | { kind: 'quarantine' | 'release'; event: 'failed' | 'expired' | 'cancelled' }
  | { kind: 'release'; event: 'requested' | 'succeeded' }
  | { kind: 'release'; event: 'results'; state: string };

/**
 * The rule (DESIGN: a kind says what a success means for the host): the containment state and
 * host status an outcome leads to, or null when it changes nothing. A quarantine is `verified`
 * only from the agent's own evidence (its results), never from the command's state alone: a
 * "succeeded" report first says `applied`. A release is `released` from its results.
 */
export function containmentAfter(
  outcome: ContainmentOutcome,
  current: ContainmentState | null,
): { state: ContainmentState; status?: HostStatus } | null {
  switch (outcome.event) {
    case 'requested':
      return { state: 'requested' };
    case 'succeeded':
      // Results may have been ingested first: never step back from what they said.
      if (outcome.kind === 'release') return null;
      return current === 'requested' ? { state: 'applied' } : null;
    case 'results':
      if (outcome.kind === 'quarantine')
        return outcome.state === 'verified'
          ? { state: 'verified', status: 'quarantined' }
          : { state: 'failed' };
      return outcome.state === 'released'
        ? { state: 'released', status: 'released' }
        : { state: 'failed' };
    case 'failed':
    case 'expired':
    case 'cancelled':
      // A release that did not happen leaves the quarantine in place: the host stays as it was.
      if (outcome.kind === 'release') return current === 'requested' ? { state: 'failed' } : null;
      return { state: 'failed' };
  }
}
