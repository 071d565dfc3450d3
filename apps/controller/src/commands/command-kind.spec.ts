import { checkKindsRegistered, kindRefusal, type CommandKindDefinition } from './command-kind';
import { COMMAND_KINDS } from './kinds';

function kind(
  name: string,
  allows: { inCampaigns?: boolean; inSchedules?: boolean } = {},
): CommandKindDefinition<string, unknown> {
  return {
    name,
    inCampaigns: allows.inCampaigns ?? false,
    inSchedules: allows.inSchedules ?? false,
    verifiable: false,
    paramsDto: Object,
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

describe('kindRefusal: which kinds campaigns and schedules take', () => {
  // A registry as later kinds will make it: a host change allowed in campaigns but never on a
  // timer, a kind run only on one host at a time.
  const registry = {
    scan: kind('scan', { inCampaigns: true, inSchedules: true }),
    fix: kind('fix', { inCampaigns: true }),
    probe: kind('probe'),
  };

  it.each<[unknown, 'campaigns' | 'schedules', string | null]>([
    ['scan', 'campaigns', null],
    ['scan', 'schedules', null],
    ['fix', 'campaigns', null],
    ['fix', 'schedules', 'kind "fix" cannot run in schedules (one of: scan)'],
    ['probe', 'campaigns', 'kind "probe" cannot run in campaigns (one of: scan, fix, verify)'],
    ['probe', 'schedules', 'kind "probe" cannot run in schedules (one of: scan)'],
    ['verify', 'campaigns', null],
    ['verify', 'schedules', 'kind "verify" is not a command kind (one of: scan)'],
    ['hunt', 'campaigns', 'kind "hunt" is not a command kind (one of: scan, fix, verify)'],
    [
      '__proto__',
      'campaigns',
      'kind "__proto__" is not a command kind (one of: scan, fix, verify)',
    ],
    [42, 'campaigns', 'kind must be a string, one of: scan, fix, verify'],
  ])('%j in %s: %s', (name, use, refusal) => {
    const extra = use === 'campaigns' ? ['verify'] : [];
    expect(kindRefusal(registry, name, use, extra)).toBe(refusal);
  });

  it('lets the built registry run scans in campaigns and schedules', () => {
    expect(kindRefusal(COMMAND_KINDS, 'scan', 'campaigns')).toBeNull();
    expect(kindRefusal(COMMAND_KINDS, 'scan', 'schedules')).toBeNull();
  });
});
