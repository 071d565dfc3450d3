import { CommandEntity } from '../commands/command.entity';
import { toProtoCommand } from '../commands/commands.mapper';
import { wireNumber } from './scan.kind';

describe('wireNumber', () => {
  it.each([
    [0, 100, 0],
    [42, 100, 42],
    [100, 100, 100],
    [1e300, 100, 100],
    [Number.MAX_SAFE_INTEGER + 2, 100, 100],
    [-1, 100, 0],
    [Number.NaN, 100, 0],
    [Number.POSITIVE_INFINITY, 100, 0],
    ['7', 100, 0],
    [undefined, 100, 0],
    [2.5, 100, 2],
  ])('maps %p (max %p) to %p', (value, max, expected) => {
    expect(wireNumber(value, max)).toBe(expected);
  });
});

describe('toProtoCommand', () => {
  it('H2: keeps the numbers of a command stored before the bounds inside what the agent decodes', () => {
    const entity = Object.assign(new CommandEntity(), {
      id: '0192f2c4-1111-7000-8000-000000000001',
      kind: 'scan',
      createdAt: new Date(0),
      expiresAt: new Date(1000),
      payload: JSON.stringify({
        paths: [],
        exclude: [],
        maxDepth: 4294967296,
        maxNestedBytes: 1e300,
        threads: 1152921504606846976,
      }),
    });
    const command = toProtoCommand(entity);
    if (command.kind?.$case !== 'scan') throw new Error('not a scan');
    const { maxDepth, maxNestedBytes, threads } = command.kind.value;
    expect({ maxDepth, maxNestedBytes, threads }).toEqual({
      maxDepth: 64,
      maxNestedBytes: 512 * 1024 * 1024,
      threads: 64,
    });
  });
});
