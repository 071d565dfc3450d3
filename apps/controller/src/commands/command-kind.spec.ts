import { checkKindsRegistered, type CommandKindDefinition } from './command-kind';
import { COMMAND_KINDS } from './kinds';

function kind(name: string): CommandKindDefinition<string, unknown> {
  return {
    name,
    inCampaigns: false,
    inSchedules: false,
    verifiable: false,
    fromStored: (payload) => payload,
    toWire: () => {
      throw new Error('not used');
    },
  };
}

describe('checkKindsRegistered', () => {
  it('accepts the registry as built', () => {
    expect(() => checkKindsRegistered(COMMAND_KINDS)).not.toThrow();
  });

  it('refuses a kind registered twice', () => {
    const scan = kind('scan');
    expect(() => checkKindsRegistered({ scan }, [scan, scan])).toThrow(
      'command kind scan is registered more than once',
    );
  });

  it('refuses a kind registered under another name', () => {
    expect(() => checkKindsRegistered({ probe: kind('hunt') })).toThrow(
      'command kind hunt is registered under another name',
    );
  });

  it('refuses a name with no definition among the listed ones', () => {
    const scan = kind('scan');
    expect(() => checkKindsRegistered({ scan, hunt: kind('hunt') }, [scan])).toThrow(
      'command kind hunt has no definition',
    );
  });
});
