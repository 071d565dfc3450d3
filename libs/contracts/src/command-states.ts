import { CommandState } from './generated';

/**
 * The states an agent reports for a command on the Connect stream. cancelled: the controller
 * took the command back (a campaign paused or cancelled) before or while it ran; expired: it
 * reached the agent after its expiry. The controller accepts each of these; one that cannot
 * apply to the command's current state is ignored, never an error that ends the stream (an agent
 * re-sends an unconfirmed final state on every new stream).
 */
export const AGENT_REPORTED_STATES = [
  'delivered',
  'started',
  'succeeded',
  'failed',
  'cancelled',
  'expired',
] as const;
export type AgentReportedState = (typeof AGENT_REPORTED_STATES)[number];

/** The wire value of each state an agent reports. */
export const AGENT_STATE_WIRE: Readonly<Record<AgentReportedState, CommandState>> = {
  delivered: CommandState.COMMAND_STATE_DELIVERED,
  started: CommandState.COMMAND_STATE_STARTED,
  succeeded: CommandState.COMMAND_STATE_SUCCEEDED,
  failed: CommandState.COMMAND_STATE_FAILED,
  cancelled: CommandState.COMMAND_STATE_CANCELLED,
  expired: CommandState.COMMAND_STATE_EXPIRED,
};

/** The state an agent reported, or null for a wire value no agent reports (queued, verified ...). */
export function agentReportedState(state: CommandState): AgentReportedState | null {
  return AGENT_REPORTED_STATES.find((name) => AGENT_STATE_WIRE[name] === state) ?? null;
}
