import { CommandEntity } from '../commands/command.entity';
import { toProtoCommand } from '../commands/commands.mapper';
import { probeParams } from './probe.kind';

describe('probeParams', () => {
  it('fills defaults and keeps a stored payload inside what the agent decodes', () => {
    expect(probeParams({})).toEqual({
      targets: [],
      ratePerSecond: 0,
      maxRequests: 0,
      timeBudgetSeconds: 0,
    });
    expect(
      probeParams({
        targets: [{ port: 8080 }, { address: '::1', port: 70_000 }, null],
        ratePerSecond: 1e9,
        maxRequests: -5,
        timeBudgetSeconds: '60',
      }),
    ).toEqual({
      targets: [
        { address: '', port: 8080 },
        { address: '::1', port: 65535 },
        { address: '', port: 0 },
      ],
      ratePerSecond: 200,
      maxRequests: 0,
      timeBudgetSeconds: 0,
    });
  });
});

describe('toProtoCommand of a probe', () => {
  it('sends the stored targets and bounds as the ProbeCommand the agent checks', () => {
    const entity = Object.assign(new CommandEntity(), {
      id: '0192f2c4-1111-7000-8000-000000000002',
      kind: 'probe',
      createdAt: new Date(0),
      expiresAt: new Date(1000),
      payload: JSON.stringify({
        targets: [{ address: '127.0.0.1', port: 8080 }],
        ratePerSecond: 5,
      }),
    });
    expect(toProtoCommand(entity).kind).toEqual({
      $case: 'probe',
      value: {
        targets: [{ address: '127.0.0.1', port: 8080 }],
        ratePerSecond: 5,
        maxRequests: 0,
        timeBudgetSeconds: 0,
      },
    });
  });
});
