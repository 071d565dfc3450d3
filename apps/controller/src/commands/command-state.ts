import { CommandStateName } from './command.entity';

const RANK: Record<CommandStateName, number> = {
  queued: 0,
  delivered: 1,
  started: 2,
  succeeded: 3,
  failed: 3,
  verified: 4,
  expired: 5,
  cancelled: 5,
};

const FINAL: ReadonlySet<CommandStateName> = new Set([
  'failed',
  'verified',
  'expired',
  'cancelled',
]);

/** States of a command not started yet. */
export const PENDING_STATES = ['queued', 'delivered'] as const;
/**
 * What a (re)connecting agent is sent: the commands not started yet, and the ones it started
 * and never finished as far as the controller knows (an agent restart interrupted them: the agent
 * runs them again; one it finished is acknowledged from its executed log, one it still runs is
 * acknowledged as started).
 */
export const RESENT_STATES = [...PENDING_STATES, 'started'] as const;
/** States expiry ends: a started command whose agent never finished it expires too. */
export const EXPIRABLE_STATES = [...RESENT_STATES] as const;

/** A command only moves forward: "sent" never turns back into "queued", "done" never into "running". */
export function canMoveTo(from: CommandStateName, to: CommandStateName): boolean {
  if (FINAL.has(from)) return false;
  if (to === 'verified') return from === 'succeeded';
  // A command that succeeded was neither cancelled nor expired: its results count.
  if (from === 'succeeded') return false;
  return RANK[to] > RANK[from];
}

/** The states an agent may report on the stream: one list, in libs/contracts. */
export { agentReportedState, type AgentReportedState } from '@log4fleet/contracts';
