import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { CommandSigningKeys, SigningKeyRotation } from './generated/log4fleet/agent/v1/agent';
import type {
  Command,
  ProbeCommand,
  QuarantineCommand,
  FixCommand,
  HuntCommand,
  RestoreCommand,
  ScanCommand,
} from './generated/log4fleet/agent/v1/commands';

/**
 * Command signing, shared by both ends. The controller signs, the agent verifies, over a
 * canonical encoding defined here byte by byte rather than over protobuf output (whose field
 * order and default handling may change between encoder versions):
 *
 *   "log4fleet-command\0" | version 0x01 | str(id) | str(agent_id) | str(kind) |
 *   u64(issued_at_ms) | u64(expires_at_ms) | params(kind)
 *
 * str = u32 big-endian byte length + UTF-8 bytes; bytes = u32 length + bytes; u64 = 8 bytes
 * big-endian; bool = one byte 0/1; a list = u32 count + its items. The parameters of each kind
 * are its typed message's fields in field-number order (scan: paths, exclude,
 * include_network_fs, one_file_system, max_depth, max_nested_bytes, threads, nice, processes,
 * processes_only; quarantine: mode, allowlist (each: cidr, protocol, port), resolvers,
 * probe (bool present, then address, port, protocol), deadline_s, controller_addresses;
 * release: nothing; probe: targets as a list of (str(address), u32(port)), rate_per_second,
 * max_requests, time_budget_seconds as u32; fix: paths, dry_run, strip_signatures, log4j1;
 * restore: paths, force, fix_command_id; hunt: paths, since_ms, indicator_strings, indicator_c2, indicator_hashes,
 * indicator_filenames, indicator_paths, config_dirs, changed_since_ms, no_jvms, max_line_bytes,
 * max_decompressed_bytes). A new kind adds its own branch to `encodeParams`.
 *
 * A rotation statement ("log4fleet-key-rotation\0" | 0x01 | bytes(new key) |
 * u64(not_before_ms)) is signed by the key it replaces.
 */
export const COMMAND_SIGNATURE_DOMAIN = 'log4fleet-command\0';
export const KEY_ROTATION_DOMAIN = 'log4fleet-key-rotation\0';
export const SIGNATURE_VERSION = 1;
/** Ed25519 public key, raw. */
export const SIGNING_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/**
 * The longest a signed command may live (expires_at - issued_at): the controller's maximum
 * (30 days). The agent's executed log (10,000 ids) dedupes replays inside that window.
 */
export const MAX_SIGNED_LIFETIME_MS = 30 * 86_400_000;

// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw key follows.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

class Encoder {
  private readonly parts: Buffer[] = [];

  raw(bytes: Uint8Array): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  u32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value);
    return this.raw(b);
  }

  u64(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new Error(`cannot encode ${value} as an unsigned 64-bit integer`);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(value));
    return this.raw(b);
  }

  bool(value: boolean): this {
    return this.raw(Buffer.from([value ? 1 : 0]));
  }

  bytes(value: Uint8Array): this {
    return this.u32(value.length).raw(value);
  }

  str(value: string): this {
    return this.bytes(Buffer.from(value, 'utf8'));
  }

  list<T>(items: readonly T[], each: (item: T) => void): this {
    this.u32(items.length);
    for (const item of items) each(item);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function encodeScan(e: Encoder, scan: ScanCommand): void {
  e.list(scan.paths, (p) => e.bytes(p));
  e.list(scan.exclude, (x) => e.str(x));
  e.bool(scan.includeNetworkFs)
    .bool(scan.oneFileSystem)
    .u64(scan.maxDepth)
    .u64(scan.maxNestedBytes)
    .u64(scan.threads)
    .bool(scan.nice)
    .bool(scan.processes)
    .bool(scan.processesOnly);
}

function encodeQuarantine(e: Encoder, q: QuarantineCommand): void {
  e.str(q.mode);
  e.list(q.allowlist, (a) => e.str(a.cidr).str(a.protocol).u64(a.port));
  e.list(q.resolvers, (r) => e.str(r));
  e.bool(q.probe !== undefined);
  if (q.probe) e.str(q.probe.address).u64(q.probe.port).str(q.probe.protocol);
  e.u64(q.deadlineS);
  e.list(q.controllerAddresses, (a) => e.str(a));
}

function encodeProbe(e: Encoder, probe: ProbeCommand): void {
  e.list(probe.targets, (t) => e.str(t.address).u32(t.port));
  e.u32(probe.ratePerSecond).u32(probe.maxRequests).u32(probe.timeBudgetSeconds);
}

function encodeFix(e: Encoder, fix: FixCommand): void {
  e.list(fix.paths, (p) => e.bytes(p));
  e.bool(fix.dryRun).bool(fix.stripSignatures).bool(fix.log4j1);
}

function encodeRestore(e: Encoder, restore: RestoreCommand): void {
  e.list(restore.paths, (p) => e.bytes(p));
  e.bool(restore.force).str(restore.fixCommandId);
}

function encodeHunt(e: Encoder, hunt: HuntCommand): void {
  e.list(hunt.paths, (p) => e.str(p));
  e.u64(hunt.sinceMs);
  e.list(hunt.indicatorStrings, (x) => e.str(x));
  e.list(hunt.indicatorC2, (x) => e.str(x));
  e.list(hunt.indicatorHashes, (x) => e.str(x));
  e.list(hunt.indicatorFilenames, (x) => e.str(x));
  e.list(hunt.indicatorPaths, (x) => e.str(x));
  e.list(hunt.configDirs, (x) => e.str(x));
  e.u64(hunt.changedSinceMs)
    .bool(hunt.noJvms)
    .u64(hunt.maxLineBytes)
    .u64(hunt.maxDecompressedBytes);
}

/**
 * A kind's parameters, in its message's field-number order. Exhaustive: a kind added to the
 * proto without its branch here does not compile (its parameters would go unsigned).
 */
function encodeParams(e: Encoder, kind: NonNullable<Command['kind']>): void {
  switch (kind.$case) {
    case 'scan':
      encodeScan(e, kind.value);
      return;
    case 'quarantine':
      encodeQuarantine(e, kind.value);
      return;
    case 'release':
      return;
    case 'probe':
      encodeProbe(e, kind.value);
      return;
    case 'fix':
      encodeFix(e, kind.value);
      return;
    case 'restore':
      encodeRestore(e, kind.value);
      return;
    case 'hunt':
      encodeHunt(e, kind.value);
      return;
    default: {
      const unknownKind: never = kind;
      throw new Error(
        `no canonical encoding for command kind ${String((unknownKind as { $case?: unknown }).$case)}`,
      );
    }
  }
}

/** The bytes a command's signature covers; throws when the command carries no known kind. */
export function canonicalCommandBytes(command: Command): Buffer {
  const kind = command.kind;
  if (!kind) throw new Error(`command ${command.id} carries no known kind`);
  const e = new Encoder()
    .raw(Buffer.from(COMMAND_SIGNATURE_DOMAIN, 'ascii'))
    .raw(Buffer.from([SIGNATURE_VERSION]))
    .str(command.id)
    .str(command.agentId)
    .str(kind.$case)
    .u64(command.issuedAtMs)
    .u64(command.expiresAtMs);
  encodeParams(e, kind);
  return e.finish();
}

export function canonicalRotationBytes(publicKey: Uint8Array, notBeforeMs: number): Buffer {
  return new Encoder()
    .raw(Buffer.from(KEY_ROTATION_DOMAIN, 'ascii'))
    .raw(Buffer.from([SIGNATURE_VERSION]))
    .bytes(publicKey)
    .u64(notBeforeMs)
    .finish();
}

export interface SigningKeyPair {
  /** Raw 32-byte Ed25519 public key, as carried by the protocol. */
  publicKey: Buffer;
  privateKey: KeyObject;
}

export function generateSigningKey(): SigningKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/** An Ed25519 private key from PKCS#8 PEM or DER; throws when it is anything else. */
export function signingKeyFromPkcs8(pkcs8: string | Buffer): SigningKeyPair {
  const privateKey =
    typeof pkcs8 === 'string'
      ? createPrivateKey({ key: pkcs8, format: 'pem' })
      : createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`expected an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? '?'}`);
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return der.subarray(ED25519_SPKI_PREFIX.length);
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== SIGNING_KEY_BYTES)
    throw new Error(`an Ed25519 public key is ${SIGNING_KEY_BYTES} bytes, got ${raw.length}`);
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(raw)]),
    format: 'der',
    type: 'spki',
  });
}

/** The command with its agent id set and signed by `key`. */
export function signCommand(command: Command, agentId: string, key: KeyObject): Command {
  const addressed = { ...command, agentId };
  return { ...addressed, signature: sign(null, canonicalCommandBytes(addressed), key) };
}

export function signRotation(
  publicKey: Uint8Array,
  notBeforeMs: number,
  previousKey: KeyObject,
): SigningKeyRotation {
  return {
    publicKey: Buffer.from(publicKey),
    notBeforeMs,
    signature: sign(null, canonicalRotationBytes(publicKey, notBeforeMs), previousKey),
  };
}

function verifies(data: Buffer, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  try {
    return verify(null, data, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

export type CommandRefusalCode =
  'unsigned' | 'foreign' | 'misaddressed' | 'expired' | 'malformed' | 'no-pinned-key';

export interface CommandRefusal {
  code: CommandRefusalCode;
  /** For the command's FAILED update and the agent's log. */
  message: string;
}

export interface VerifyContext {
  /** This agent's id. */
  agentId: string;
  /** The key this agent pinned (raw 32 bytes), or undefined when it has none. */
  pinnedKey: Uint8Array | undefined;
  nowMs: number;
}

/**
 * Why the agent must not run `command`, or null when it may: it must be addressed to this
 * agent, unexpired, within the longest lifetime a controller gives, and signed by the pinned
 * key. Replays of an executed id are the executed log's business (acknowledged, not re-run).
 */
export function checkCommandSignature(command: Command, ctx: VerifyContext): CommandRefusal | null {
  const refuse = (code: CommandRefusalCode, why: string): CommandRefusal => ({
    code,
    message: `command refused (${code}): ${why}`,
  });
  if (!ctx.pinnedKey || ctx.pinnedKey.length === 0)
    return refuse('no-pinned-key', 'this agent has no pinned command-signing key');
  if (command.signature.length === 0) return refuse('unsigned', 'the command carries no signature');
  if (command.agentId !== ctx.agentId)
    return refuse(
      'misaddressed',
      `signed for agent "${command.agentId}", this agent is ${ctx.agentId}`,
    );
  if (!command.kind) return refuse('malformed', 'the command carries no known kind');
  if (command.expiresAtMs - command.issuedAtMs > MAX_SIGNED_LIFETIME_MS)
    return refuse('malformed', 'its lifetime exceeds the 30 days a controller gives');
  let data: Buffer;
  try {
    data = canonicalCommandBytes(command);
  } catch (err) {
    return refuse('malformed', err instanceof Error ? err.message : String(err));
  }
  if (!verifies(data, command.signature, ctx.pinnedKey))
    return refuse('foreign', 'the signature is not by the command-signing key this agent pinned');
  if (command.expiresAtMs > 0 && ctx.nowMs > command.expiresAtMs)
    return refuse('expired', `expired at ${new Date(command.expiresAtMs).toISOString()}`);
  return null;
}

export interface ChainOutcome {
  /** The newest key the chain leads to from the pinned one (the pinned one when none). */
  key: Buffer;
  /** Rotations followed from the pinned key. */
  followed: number;
  /** Why the chain stopped early (a bad signature, a rotation not yet due), if it did. */
  stopped?: string;
}

/**
 * Follows `chain` from `pinnedKey`: each rotation after the pinned key must be signed by the
 * key before it and be due (not_before <= now). A chain that does not contain the pinned key
 * leads nowhere: the pinned key stays.
 */
export function followKeyChain(
  chain: CommandSigningKeys,
  pinnedKey: Uint8Array,
  nowMs: number,
): ChainOutcome {
  const keys = [
    Buffer.from(chain.firstKey),
    ...chain.rotations.map((r) => Buffer.from(r.publicKey)),
  ];
  const start = keys.findIndex((k) => k.equals(Buffer.from(pinnedKey)));
  let key = Buffer.from(pinnedKey);
  if (start < 0) return { key, followed: 0, stopped: 'the chain does not contain the pinned key' };
  let followed = 0;
  for (const rotation of chain.rotations.slice(start)) {
    if (rotation.notBeforeMs > nowMs)
      return { key, followed, stopped: `a rotation is not due before ${rotation.notBeforeMs}` };
    const statement = canonicalRotationBytes(rotation.publicKey, rotation.notBeforeMs);
    if (!verifies(statement, rotation.signature, key))
      return { key, followed, stopped: 'a rotation is not signed by the key it replaces' };
    key = Buffer.from(rotation.publicKey);
    followed += 1;
  }
  return { key, followed };
}
