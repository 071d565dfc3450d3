import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import {
  CancelCommand,
  Command,
  ControllerMessage,
  HeartbeatAck,
  ScanCommand,
} from '@log4fleet/contracts';
import { errorMessage } from './state-dir';

/** A message of the Connect stream as received: decoded, or why it could not be. */
export type ReceivedMessage = { decoded: ControllerMessage } | { undecodable: UndecodableMessage };

export interface UndecodableMessage {
  /** The kind the controller sent (its field of ControllerMessage), when known. */
  kind: 'heartbeat_ack' | 'command' | 'cancel' | undefined;
  /** The id of the command (or cancelled command) read from the raw bytes, unchecked. */
  commandId: string | undefined;
  /** What could not be decoded, naming the field, e.g. "command.scan.max_nested_bytes = ...". */
  reason: string;
}

/**
 * The Connect stream's deserializer. The generated decoder throws on one value it cannot
 * represent (a uint64 above 2^53 - 1) and grpc-js then ends the whole stream; this one
 * never throws, so one bad command cannot cut the agent off from the next ones.
 */
export function decodeControllerMessage(bytes: Uint8Array): ReceivedMessage {
  try {
    return { decoded: ControllerMessage.decode(bytes) };
  } catch (err) {
    return { undecodable: diagnose(bytes, err) };
  }
}

interface Shape {
  decode(bytes: Uint8Array): unknown;
  fields: Record<number, { name: string; shape?: Shape }>;
}

// Field numbers of agent.proto and commands.proto (controller-message.spec.ts checks them
// against the generated encoders).
const SCAN: Shape = {
  decode: (b) => ScanCommand.decode(b),
  fields: {
    1: { name: 'paths' },
    2: { name: 'exclude' },
    3: { name: 'include_network_fs' },
    4: { name: 'one_file_system' },
    5: { name: 'max_depth' },
    6: { name: 'max_nested_bytes' },
    7: { name: 'threads' },
    8: { name: 'nice' },
    9: { name: 'processes' },
    10: { name: 'processes_only' },
  },
};
const COMMAND: Shape = {
  decode: (b) => Command.decode(b),
  fields: {
    1: { name: 'id' },
    2: { name: 'issued_at_ms' },
    3: { name: 'expires_at_ms' },
    10: { name: 'scan', shape: SCAN },
    20: { name: 'signature' },
    21: { name: 'agent_id' },
  },
};
const CANCEL: Shape = {
  decode: (b) => CancelCommand.decode(b),
  fields: { 1: { name: 'command_id' } },
};
const ACK: Shape = {
  decode: (b) => HeartbeatAck.decode(b),
  fields: { 1: { name: 'server_time_ms' } },
};
const KINDS = {
  1: { kind: 'heartbeat_ack', shape: ACK },
  2: { kind: 'command', shape: COMMAND },
  3: { kind: 'cancel', shape: CANCEL },
} as const;
export const FIELD_SHAPES = { SCAN, COMMAND, CANCEL, ACK };

function diagnose(bytes: Uint8Array, err: unknown): UndecodableMessage {
  let kind: UndecodableMessage['kind'];
  let commandId: string | undefined;
  let reason = `controller message is malformed: ${errorMessage(err)}`;
  try {
    for (const field of fieldsOf(bytes)) {
      const known = KINDS[field.no as keyof typeof KINDS] as (typeof KINDS)[1 | 2 | 3] | undefined;
      if (!known || field.wireType !== WireType.LengthDelimited) continue;
      // proto3: the last field of a oneof on the wire is the one that counts.
      kind = known.kind;
      const inner = lengthDelimited(field.value);
      commandId = kind === 'heartbeat_ack' ? undefined : lastString(inner, 1);
      reason = locate(inner, known.shape, kind) ?? reason;
    }
  } catch (walkErr) {
    reason = `controller message is malformed: ${errorMessage(walkErr)}`;
  }
  return { kind, commandId, reason };
}

/** The first field of `bytes` that its message cannot decode on its own, described. */
function locate(bytes: Uint8Array, shape: Shape, at: string): string | undefined {
  for (const field of fieldsOf(bytes)) {
    try {
      shape.decode(field.raw);
      continue;
    } catch (err) {
      const known = shape.fields[field.no];
      const where = `${at}.${known?.name ?? `field_${field.no}`}`;
      if (known?.shape && field.wireType === WireType.LengthDelimited) {
        return locate(lengthDelimited(field.value), known.shape, where);
      }
      if (field.wireType === WireType.Varint) {
        const value = new BinaryReader(field.value).uint64().toString();
        return `${where} = ${value} is out of range for this agent: ${errorMessage(err)}`;
      }
      return `${where} cannot be decoded: ${errorMessage(err)}`;
    }
  }
  return undefined;
}

interface WireField {
  no: number;
  wireType: WireType;
  /** The whole field: tag and value. */
  raw: Uint8Array;
  /** The value as on the wire (for a length-delimited field: with its length prefix). */
  value: Uint8Array;
}

function* fieldsOf(bytes: Uint8Array): Generator<WireField> {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [no, wireType] = reader.tag();
    const valueStart = reader.pos;
    reader.skip(wireType, no);
    yield {
      no,
      wireType,
      raw: bytes.subarray(start, reader.pos),
      value: bytes.subarray(valueStart, reader.pos),
    };
  }
}

function lengthDelimited(value: Uint8Array): Uint8Array {
  return new BinaryReader(value).bytes();
}

function lastString(bytes: Uint8Array, no: number): string | undefined {
  let found: string | undefined;
  for (const field of fieldsOf(bytes)) {
    if (field.no === no && field.wireType === WireType.LengthDelimited)
      found = new BinaryReader(field.value).string();
  }
  return found;
}
