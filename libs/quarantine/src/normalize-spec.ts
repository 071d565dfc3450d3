import { QUARANTINE_LIMITS as CONTRACT_LIMITS } from '@log4fleet/contracts';
import { parseAddress, parseCidr } from './address';
import { QuarantineError, QuarantineErrorCode } from './errors';
import type {
  AllowEntry,
  NormalizedAllow,
  NormalizedSpec,
  ProbeTarget,
  QuarantineSpec,
} from './types';

/** Bounds on what one quarantine may ask for: a table stays small enough to read back. */
export const QUARANTINE_LIMITS = {
  allowlistEntries: CONTRACT_LIMITS.allowlistEntries,
  resolvers: CONTRACT_LIMITS.resolvers,
  hostNameLength: 253,
} as const;

export const QUARANTINE_MODES = ['isolate', 'egress-block'] as const;

/** The spec checked field by field; the first problem is thrown, naming the field and value. */
export function normalizeSpec(spec: QuarantineSpec): NormalizedSpec {
  if (!QUARANTINE_MODES.includes(spec.mode)) {
    invalid(`mode ${JSON.stringify(spec.mode)} is not one of ${QUARANTINE_MODES.join(', ')}`);
  }
  const host = normalizeHost(spec.controller?.host);
  const port = checkPort(spec.controller?.port, 'controller.port');
  const pinned = (spec.controller?.addresses ?? []).map((a, i) => {
    const parsed = typeof a === 'string' ? parseAddress(a) : null;
    if (!parsed)
      invalid(`controller.addresses[${i}] ${JSON.stringify(a)} is not an IPv4 or IPv6 address`);
    return parsed.address;
  });
  if (pinned.length > CONTRACT_LIMITS.controllerAddresses) {
    invalid(
      `controller.addresses has ${pinned.length} entries, at most ${CONTRACT_LIMITS.controllerAddresses}`,
    );
  }
  const allowlist = (spec.allowlist ?? []).map((entry, i) => normalizeAllow(entry, i));
  if (allowlist.length > QUARANTINE_LIMITS.allowlistEntries) {
    invalid(
      `allowlist has ${allowlist.length} entries, at most ${QUARANTINE_LIMITS.allowlistEntries}`,
    );
  }
  if (spec.mode !== 'isolate' && allowlist.length > 0) {
    invalid(`allowlist applies to mode isolate only (mode is ${spec.mode})`);
  }
  const resolvers = (spec.resolvers ?? []).map((r, i) => {
    const parsed = typeof r === 'string' ? parseAddress(r) : null;
    if (!parsed) invalid(`resolvers[${i}] ${JSON.stringify(r)} is not an IPv4 or IPv6 address`);
    return parsed.address;
  });
  if (resolvers.length > QUARANTINE_LIMITS.resolvers) {
    invalid(`resolvers has ${resolvers.length} entries, at most ${QUARANTINE_LIMITS.resolvers}`);
  }
  if (spec.mode !== 'egress-block' && resolvers.length > 0) {
    invalid(
      `resolvers apply to mode egress-block only (mode is ${spec.mode}); allow a resolver in isolate with an allowlist entry udp/53`,
    );
  }
  const probe = spec.probe === undefined ? undefined : normalizeProbe(spec.probe);
  return {
    mode: spec.mode,
    controller: { host, port, addresses: [...new Set(pinned)].sort() },
    allowlist,
    resolvers: [...new Set(resolvers)],
    ...(probe ? { probe } : {}),
  };
}

function normalizeHost(host: unknown): string {
  if (typeof host !== 'string' || host.trim() === '') invalid('controller.host is empty');
  const text = host.trim().replace(/^\[(.*)\]$/, '$1');
  const address = parseAddress(text);
  if (address) return address.address;
  const nameOk =
    text.length <= QUARANTINE_LIMITS.hostNameLength &&
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(
      text,
    );
  if (!nameOk)
    invalid(`controller.host ${JSON.stringify(host)} is neither an address nor a host name`);
  return text.toLowerCase();
}

function normalizeAllow(entry: AllowEntry, i: number): NormalizedAllow {
  const at = `allowlist[${i}]`;
  const cidr = typeof entry?.cidr === 'string' ? parseCidr(entry.cidr) : null;
  if (!cidr) invalid(`${at}.cidr ${JSON.stringify(entry?.cidr)} is not an address or prefix`);
  if (cidr.prefix === 0)
    invalid(`${at}.cidr ${entry.cidr} allows every address: that is no quarantine`);
  if (entry.protocol !== 'tcp' && entry.protocol !== 'udp') {
    invalid(`${at}.protocol ${JSON.stringify(entry.protocol)} is not tcp or udp`);
  }
  const port = entry.port === undefined ? undefined : checkPort(entry.port, `${at}.port`);
  return { ...cidr, protocol: entry.protocol, ...(port === undefined ? {} : { port }) };
}

function normalizeProbe(probe: ProbeTarget): ProbeTarget {
  const address = typeof probe?.address === 'string' ? parseAddress(probe.address) : null;
  if (!address) invalid(`probe.address ${JSON.stringify(probe?.address)} is not an address`);
  if (probe.protocol !== 'tcp' && probe.protocol !== 'udp') {
    invalid(`probe.protocol ${JSON.stringify(probe.protocol)} is not tcp or udp`);
  }
  return {
    address: address.address,
    port: checkPort(probe.port, 'probe.port'),
    protocol: probe.protocol,
  };
}

function checkPort(port: unknown, name: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    invalid(`${name} ${JSON.stringify(port)} is not a port (1-65535)`);
  }
  return port;
}

function invalid(message: string): never {
  throw new QuarantineError(QuarantineErrorCode.InvalidSpec, message);
}
