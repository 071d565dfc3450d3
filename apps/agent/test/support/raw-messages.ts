import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/**
 * A ControllerMessage carrying a scan command, written field by field so that a value can
 * be what the generated encoder would never write (a uint64 above 2^53 - 1), as a
 * controller with looser bounds (or newer, or hostile) may send it.
 */
export function rawScanCommandMessage(options: {
  id: string;
  maxNestedBytes?: bigint;
  issuedAtMs?: bigint;
  expiresAtMs?: bigint;
}): Buffer {
  const w = new BinaryWriter();
  w.tag(2, WireType.LengthDelimited).fork(); // ControllerMessage.command
  w.tag(1, WireType.LengthDelimited).string(options.id);
  w.tag(2, WireType.Varint).uint64(options.issuedAtMs ?? BigInt(Date.now()));
  w.tag(3, WireType.Varint).uint64(options.expiresAtMs ?? BigInt(Date.now() + 600_000));
  w.tag(10, WireType.LengthDelimited).fork(); // Command.scan
  w.tag(1, WireType.LengthDelimited).bytes(Buffer.from('/srv'));
  if (options.maxNestedBytes !== undefined)
    w.tag(6, WireType.Varint).uint64(options.maxNestedBytes);
  w.join();
  w.join();
  return Buffer.from(w.finish());
}

/** 2^60: what `POST /hosts/:id/scans {"maxNestedBytes": 1152921504606846976}` put on the wire. */
export const OVERSIZED = 1152921504606846976n;

/** A ControllerMessage carrying a heartbeat ack whose server time is `serverTimeMs`. */
export function rawHeartbeatAckMessage(serverTimeMs: bigint): Buffer {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).fork(); // ControllerMessage.heartbeat_ack
  w.tag(1, WireType.Varint).uint64(serverTimeMs);
  w.join();
  return Buffer.from(w.finish());
}
