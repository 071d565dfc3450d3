import { DomainErrorCode } from '../common/domain.exception';
import { EnrollingMachine, replacementRefusal } from './replacement-policy';

const HOST = { id: 'host-1', hostname: 'web-01' };
const base: EnrollingMachine = {
  machineId: 'm-1',
  host: HOST,
  activeAgentIds: ['agent-1'],
  proven: false,
  credentialPresented: false,
  token: { id: 'tok', replaceHostId: null },
};

describe('H1: who may replace a host agent at enrollment', () => {
  it.each<[string, Partial<EnrollingMachine>, DomainErrorCode | null]>([
    ['a new machine enrolls', { host: null, activeAgentIds: [] }, null],
    ['a machine whose agents are all revoked enrolls', { activeAgentIds: [] }, null],
    ['an active agent without proof is kept', {}, DomainErrorCode.FailedPrecondition],
    [
      'a wrong credential is no proof',
      { credentialPresented: true },
      DomainErrorCode.FailedPrecondition,
    ],
    ["the agent's own credential replaces it", { credentialPresented: true, proven: true }, null],
    [
      'a replacement token for the host replaces it',
      { token: { id: 'r', replaceHostId: 'host-1' } },
      null,
    ],
    [
      'a replacement token for another host is refused',
      { token: { id: 'r', replaceHostId: 'host-2' } },
      DomainErrorCode.PermissionDenied,
    ],
    [
      'a replacement token for a new machine is refused',
      { host: null, activeAgentIds: [], token: { id: 'r', replaceHostId: 'host-2' } },
      DomainErrorCode.PermissionDenied,
    ],
  ])('%s', (_, change, code) => {
    expect(replacementRefusal({ ...base, ...change })?.code ?? null).toBe(code);
  });

  it('names the host and the ways to replace its agent', () => {
    expect(replacementRefusal(base)?.message).toMatch(
      /host host-1 \(web-01\) with active agent agent-1.*credential.*replaceHostId.*revoking/,
    );
  });
});
