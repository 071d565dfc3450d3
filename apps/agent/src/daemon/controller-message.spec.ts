import { BinaryReader } from '@bufbuild/protobuf/wire';
import { Command, ControllerMessage, ScanCommand } from '@log4fleet/contracts';
import { OVERSIZED, rawScanCommandMessage } from '../../test/support/raw-messages';
import { decodeControllerMessage, FIELD_SHAPES } from './controller-message';

const ID = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';

describe('decodeControllerMessage', () => {
  it('decodes what the generated decoder decodes', () => {
    const bytes = rawScanCommandMessage({ id: ID, maxNestedBytes: 1024n });
    const received = decodeControllerMessage(bytes);
    expect(received).toEqual({ decoded: ControllerMessage.decode(bytes) });
    expect('decoded' in received && received.decoded.kind?.$case).toBe('command');
  });

  it('H2: names the field and recovers the id of a command it cannot decode, instead of throwing', () => {
    const bytes = rawScanCommandMessage({ id: ID, maxNestedBytes: OVERSIZED });
    expect(() => ControllerMessage.decode(bytes)).toThrow(/MAX_SAFE_INTEGER/);
    expect(decodeControllerMessage(bytes)).toEqual({
      undecodable: {
        kind: 'command',
        commandId: ID,
        reason:
          'command.scan.max_nested_bytes = 1152921504606846976 is out of range for this agent: Value is larger than Number.MAX_SAFE_INTEGER',
      },
    });
  });

  it('H2: names an out-of-range expiry of the command itself', () => {
    const bytes = rawScanCommandMessage({ id: ID, expiresAtMs: 2n ** 64n - 1n });
    const received = decodeControllerMessage(bytes);
    expect('undecodable' in received && received.undecodable.reason).toMatch(
      /^command\.expires_at_ms = 18446744073709551615 is out of range/,
    );
  });

  it('gives no id for bytes that are no protobuf at all', () => {
    const received = decodeControllerMessage(Buffer.from([0x12, 0x40, 0x0a]));
    expect(received).toEqual({
      undecodable: {
        kind: undefined,
        commandId: undefined,
        reason: expect.stringMatching(/^controller message is malformed/),
      },
    });
  });

  it('knows the field numbers the generated encoders use', () => {
    const firstTag = (bytes: Uint8Array): number => new BinaryReader(bytes).tag()[0];
    const camel = (name: string): string =>
      name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const sample = (value: unknown, key: string): unknown => {
      if (typeof value === 'number') return 1;
      if (typeof value === 'boolean') return true;
      if (typeof value === 'string') return 'x';
      if (Array.isArray(value)) return key === 'paths' ? [Buffer.from('x')] : ['x'];
      return Buffer.from('x');
    };
    const scanDefaults = ScanCommand.fromPartial({});
    for (const [no, { name }] of Object.entries(FIELD_SHAPES.SCAN.fields)) {
      const key = camel(name) as keyof ScanCommand;
      const message = { ...scanDefaults, [key]: sample(scanDefaults[key], key) };
      expect([name, firstTag(ScanCommand.encode(message).finish())]).toEqual([name, Number(no)]);
    }
    const commandDefaults = Command.fromPartial({});
    for (const [no, { name }] of Object.entries(FIELD_SHAPES.COMMAND.fields)) {
      const key = camel(name) as keyof Command;
      const message: Command =
        name === 'scan'
          ? { ...commandDefaults, kind: { $case: 'scan', value: scanDefaults } }
          : { ...commandDefaults, [key]: sample(commandDefaults[key], key) };
      expect([name, firstTag(Command.encode(message).finish())]).toEqual([name, Number(no)]);
    }
  });
});
