import { randomUUID } from 'node:crypto';
import { CommandState, Finding } from '@log4fleet/contracts';
import { DomainException } from '../common/domain.exception';
import { validateCommandUpdate, validateEnroll, validateUpload } from './message-validation';

const finding: Finding = {
  chain: [Buffer.from('/opt/x.jar')],
  product: 'log4j-core',
  version: '2.14.1',
  versionExact: true,
  status: 'vulnerable',
  cves: ['CVE-2021-44228'],
  evidence: [],
  packageRoot: '',
  sha256: '',
};
const facts = {
  hostname: 'h',
  fqdn: '',
  machineId: 'm1',
  osName: '',
  osVersion: '',
  kernel: '',
  arch: '',
  addresses: [],
};

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainException) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('gRPC message validation', () => {
  const upload = (extra: object) => ({
    commandId: randomUUID(),
    sequence: 0,
    totalChunks: 1,
    findings: [],
    errors: [],
    ...extra,
  });

  it('accepts a well-formed chunk', () => {
    expect(validateUpload(upload({ findings: [finding] })).findings).toHaveLength(1);
  });

  it.each([
    [{ commandId: 'abc' }, 'command_id "abc" is not a UUID'],
    [{ totalChunks: 0 }, 'total_chunks must be'],
    [{ sequence: 1, totalChunks: 1 }, 'sequence 1 is not below total_chunks 1'],
    [{ findings: Array.from({ length: 501 }, () => finding) }, '501 findings in one chunk'],
    [{ findings: [{ ...finding, chain: [] }] }, 'findings[0].chain must have 1-16 elements'],
    [
      { findings: [{ ...finding, chain: [Buffer.alloc(4097)] }] },
      'findings[0].chain[0] is over 4096 bytes',
    ],
    [{ findings: [{ ...finding, status: 'owned' }] }, 'findings[0].status'],
    [{ findings: [{ ...finding, cves: ['log4shell'] }] }, 'findings[0].cves[0] is not a CVE id'],
    [{ findings: [{ ...finding, sha256: 'XYZ' }] }, 'findings[0].sha256'],
    [
      { errors: [{ chain: [Buffer.from('/x')], code: '', message: '' }] },
      'errors[0].code is required',
    ],
  ])('rejects %j as INVALID_ARGUMENT', (extra, message) => {
    const result = rejection(() => validateUpload(upload(extra)));
    expect(result).toMatch(/^INVALID_ARGUMENT/);
    expect(result).toContain(message);
  });

  it('requires a token and a machine id to enroll', () => {
    expect(
      rejection(() => validateEnroll({ token: '', host: facts, agentVersion: '1' })),
    ).toContain('token is required');
    expect(
      rejection(() => validateEnroll({ token: 't', host: undefined, agentVersion: '1' })),
    ).toContain('host facts are required');
    expect(
      rejection(() =>
        validateEnroll({
          token: 't',
          host: { ...facts, machineId: 'x'.repeat(65) },
          agentVersion: '1',
        }),
      ),
    ).toContain('host.machine_id is over 64 bytes');
    expect(
      rejection(() =>
        validateEnroll({
          token: 't',
          host: { ...facts, addresses: Array.from({ length: 65 }, () => '10.0.0.1') },
          agentVersion: '1',
        }),
      ),
    ).toContain('host.addresses');
  });

  it('accepts only the states an agent reports, about a command id', () => {
    const base = { commandId: randomUUID(), message: '', atMs: 0, totalChunks: 0 };
    expect(
      validateCommandUpdate({ ...base, state: CommandState.COMMAND_STATE_STARTED })?.state,
    ).toBe('started');
    expect(
      validateCommandUpdate({ ...base, state: CommandState.COMMAND_STATE_CANCELLED })?.state,
    ).toBe('cancelled');
    expect(
      validateCommandUpdate({ ...base, state: CommandState.COMMAND_STATE_EXPIRED })?.state,
    ).toBe('expired');
    // A state no agent reports is ignored (null), never an error that ends the stream.
    expect(
      validateCommandUpdate({ ...base, state: CommandState.COMMAND_STATE_VERIFIED }),
    ).toBeNull();
    expect(
      rejection(() =>
        validateCommandUpdate({
          ...base,
          commandId: '1',
          state: CommandState.COMMAND_STATE_STARTED,
        }),
      ),
    ).toContain('not a UUID');
    expect(
      rejection(() =>
        validateCommandUpdate({
          ...base,
          message: 'é'.repeat(513),
          state: CommandState.COMMAND_STATE_FAILED,
        }),
      ),
    ).toContain('over 1024 bytes');
  });
});
