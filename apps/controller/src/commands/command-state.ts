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
