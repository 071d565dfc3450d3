import { CommandState } from '@log4fleet/contracts';
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
  return RANK[to] > RANK[from];
}

/** The states an agent may report on the stream. */
export type AgentReportedState = 'delivered' | 'started' | 'succeeded' | 'failed';

export function agentReportedState(state: CommandState): AgentReportedState | null {
  switch (state) {
    case CommandState.COMMAND_STATE_DELIVERED:
      return 'delivered';
    case CommandState.COMMAND_STATE_STARTED:
      return 'started';
    case CommandState.COMMAND_STATE_SUCCEEDED:
      return 'succeeded';
    case CommandState.COMMAND_STATE_FAILED:
      return 'failed';
    case CommandState.COMMAND_STATE_UNSPECIFIED:
    case CommandState.COMMAND_STATE_QUEUED:
    case CommandState.COMMAND_STATE_VERIFIED:
    case CommandState.COMMAND_STATE_EXPIRED:
    case CommandState.COMMAND_STATE_CANCELLED:
    case CommandState.UNRECOGNIZED:
      return null;
    default:
      return null;
  }
}
