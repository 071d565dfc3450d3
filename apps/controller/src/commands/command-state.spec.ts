import { CommandState } from '@log4fleet/contracts';
import { agentReportedState, canMoveTo } from './command-state';

describe('command state', () => {
  it('moves forward through the life of a command', () => {
    expect(canMoveTo('queued', 'delivered')).toBe(true);
    expect(canMoveTo('delivered', 'started')).toBe(true);
    expect(canMoveTo('started', 'succeeded')).toBe(true);
    expect(canMoveTo('started', 'failed')).toBe(true);
    expect(canMoveTo('succeeded', 'verified')).toBe(true);
  });

  it('lets an agent skip an ack it never sent', () => {
    expect(canMoveTo('queued', 'started')).toBe(true);
  });

  it('never moves backwards or out of a final state', () => {
    expect(canMoveTo('started', 'delivered')).toBe(false);
    expect(canMoveTo('succeeded', 'started')).toBe(false);
    expect(canMoveTo('succeeded', 'failed')).toBe(false);
    expect(canMoveTo('succeeded', 'cancelled')).toBe(false);
    expect(canMoveTo('succeeded', 'expired')).toBe(false);
    expect(canMoveTo('started', 'cancelled')).toBe(true);
    expect(canMoveTo('failed', 'succeeded')).toBe(false);
    expect(canMoveTo('expired', 'started')).toBe(false);
    expect(canMoveTo('started', 'verified')).toBe(false);
  });

  it('accepts from agents only the states an agent can know', () => {
    expect(agentReportedState(CommandState.COMMAND_STATE_STARTED)).toBe('started');
    expect(agentReportedState(CommandState.COMMAND_STATE_VERIFIED)).toBeNull();
    expect(agentReportedState(CommandState.COMMAND_STATE_UNSPECIFIED)).toBeNull();
    expect(agentReportedState(CommandState.COMMAND_STATE_CANCELLED)).toBe('cancelled');
    expect(agentReportedState(CommandState.COMMAND_STATE_EXPIRED)).toBe('expired');
  });
});
