import { parseAddress } from './address';
import type { NormalizedAllow, RulesetPlan } from './types';

/** The agent's own table: the only one it ever writes, reads back or deletes. */
export const TABLE = { family: 'inet', name: 'log4fleet' } as const;
export const TABLE_NAME = `${TABLE.family} ${TABLE.name}`;

/** Log4Shell's callback channels (CVE-2021-44228 advisories): LDAP(S), global catalog, RMI. */
export const LDAP_PORTS = [389, 636, 1389, 3268, 3269] as const;
export const RMI_PORTS = [1098, 1099] as const;
export const DNS_PORT = 53;

/**
 * Before the kernel's own filter chains (priority 0): our drops are final whatever other
 * tables accept, and our accepts cannot open what another table drops.
 */
const PRIORITY = -10;

export type Expr = Record<string, unknown>;
export type Hook = 'input' | 'output' | 'forward';

export interface NftChain {
  name: Hook;
  hook: Hook;
  policy: 'accept' | 'drop';
}

export interface NftRule {
  chain: Hook;
  comment: string;
  expr: Expr[];
}

/** The whole table as data: rendered to an nft JSON transaction, compared with the read-back. */
export interface Ruleset {
  chains: NftChain[];
  rules: NftRule[];
}

/** The table for `plan`: pure, the same plan always gives the same rules in the same order. */
export function buildRuleset(plan: RulesetPlan): Ruleset {
  return plan.mode === 'isolate' ? buildIsolate(plan) : buildEgressBlock(plan);
}

/**
 * Everything dropped in, out and forwarded (containers too), IPv4 and IPv6, except loopback,
 * the pinned controller and the allowlist. Replies are accepted only from allowed peers and
 * only for flows conntrack already knows (no blanket "established" accept that would keep an
 * attacker's session alive).
 */
function buildIsolate(plan: RulesetPlan): Ruleset {
  const rules: NftRule[] = [];
  const add = (chain: Hook, comment: string, ...expr: Expr[]): void => {
    rules.push({ chain, comment: `log4fleet: ${comment}`, expr });
  };
  add('input', 'loopback', match(meta('iif'), 'lo'), ACCEPT);
  add('output', 'loopback', match(meta('oif'), 'lo'), ACCEPT);
  for (const [family, addrs] of byFamily(plan.controllerAddresses)) {
    const ip = family === 4 ? 'ip' : 'ip6';
    add(
      'output',
      'controller',
      match(payload(ip, 'daddr'), set(addrs)),
      match(payload('tcp', 'dport'), plan.controllerPort),
      ACCEPT,
    );
    add(
      'input',
      'controller reply',
      match(payload(ip, 'saddr'), set(addrs)),
      match(payload('tcp', 'sport'), plan.controllerPort),
      ESTABLISHED,
      ACCEPT,
    );
  }
  plan.allowlist.forEach((entry, i) => addAllow(add, entry, i));
  // ICMP errors of allowed flows (path MTU) and IPv6 neighbour discovery, without which no
  // IPv6 peer, the controller included, is reachable at all. Hop limit 255: on-link only.
  for (const chain of ['input', 'output'] as const) {
    add(
      chain,
      'icmp errors of allowed flows',
      match(meta('l4proto'), set(['icmp', 'ipv6-icmp'])),
      RELATED,
      ACCEPT,
    );
    add(
      chain,
      'ipv6 neighbour discovery',
      match(payload('icmpv6', 'type'), set(ND_TYPES)),
      match(payload('ip6', 'hoplimit'), 255),
      ACCEPT,
    );
  }
  return {
    chains: [
      { name: 'input', hook: 'input', policy: 'drop' },
      { name: 'output', hook: 'output', policy: 'drop' },
      { name: 'forward', hook: 'forward', policy: 'drop' },
    ],
    rules,
  };
}

type Add = (chain: Hook, comment: string, ...expr: Expr[]) => void;

/** An allowlist peer, both ways: the host as its client and as its server. */
function addAllow(add: Add, entry: NormalizedAllow, i: number): void {
  const ip = entry.family === 4 ? 'ip' : 'ip6';
  const peer =
    entry.prefix === (entry.family === 4 ? 32 : 128)
      ? entry.address
      : { prefix: { addr: entry.address, len: entry.prefix } };
  const to = match(payload(ip, 'daddr'), peer);
  const from = match(payload(ip, 'saddr'), peer);
  const name = `allowlist[${i}]`;
  if (entry.port === undefined) {
    add('output', name, to, match(meta('l4proto'), entry.protocol), ACCEPT);
    add('input', name, from, match(meta('l4proto'), entry.protocol), ACCEPT);
    return;
  }
  const port = (field: 'sport' | 'dport'): Expr =>
    match(payload(entry.protocol, field), entry.port);
  add('output', `${name} as client`, to, port('dport'), ACCEPT);
  add('input', `${name} as client, reply`, from, port('sport'), ESTABLISHED, ACCEPT);
  add('input', `${name} as server`, from, port('dport'), ACCEPT);
  add('output', `${name} as server, reply`, to, port('sport'), ESTABLISHED, ACCEPT);
}

/**
 * Outbound (and forwarded) LDAP, RMI and DNS dropped, DNS still allowed to the named
 * resolvers and everything to the pinned controller; all other traffic passes.
 */
function buildEgressBlock(plan: RulesetPlan): Ruleset {
  const rules: NftRule[] = [];
  const blocked = [DNS_PORT, ...LDAP_PORTS, ...RMI_PORTS].sort((a, b) => a - b);
  for (const chain of ['output', 'forward'] as const) {
    const add = (comment: string, ...expr: Expr[]): void => {
      rules.push({ chain, comment: `log4fleet: ${comment}`, expr });
    };
    // A local stub resolver (127.0.0.53) forwards to upstream resolvers, which the rules below check.
    if (chain === 'output') add('loopback', match(meta('oif'), 'lo'), ACCEPT);
    for (const [family, addrs] of byFamily(plan.controllerAddresses)) {
      const ip = family === 4 ? 'ip' : 'ip6';
      add(
        'controller',
        match(payload(ip, 'daddr'), set(addrs)),
        match(payload('tcp', 'dport'), plan.controllerPort),
        ACCEPT,
      );
    }
    for (const [family, addrs] of byFamily(plan.resolvers)) {
      const ip = family === 4 ? 'ip' : 'ip6';
      add(
        'named resolvers',
        match(meta('l4proto'), set(['tcp', 'udp'])),
        match(payload('th', 'dport'), DNS_PORT),
        match(payload(ip, 'daddr'), set(addrs)),
        ACCEPT,
      );
    }
    add(
      'ldap, rmi and dns egress',
      match(meta('l4proto'), set(['tcp', 'udp'])),
      match(payload('th', 'dport'), set(blocked)),
      DROP,
    );
  }
  return {
    chains: [
      { name: 'output', hook: 'output', policy: 'accept' },
      { name: 'forward', hook: 'forward', policy: 'accept' },
    ],
    rules,
  };
}

/** One `nft -j -f` transaction: replaces our table as a whole (add, delete, add), nothing else. */
export function replaceTransaction(ruleset: Ruleset): { nftables: Expr[] } {
  return {
    nftables: [
      { add: { table: { ...TABLE } } },
      { delete: { table: { ...TABLE } } },
      { add: { table: { ...TABLE } } },
      ...ruleset.chains.map((c) => ({
        add: {
          chain: {
            family: TABLE.family,
            table: TABLE.name,
            name: c.name,
            type: 'filter',
            hook: c.hook,
            prio: PRIORITY,
            policy: c.policy,
          },
        },
      })),
      ...ruleset.rules.map((r) => ({
        add: {
          rule: {
            family: TABLE.family,
            table: TABLE.name,
            chain: r.chain,
            comment: r.comment,
            expr: r.expr,
          },
        },
      })),
    ],
  };
}

/** Removes our table if it exists (add first, so a missing table is no error), nothing else. */
export function deleteTransaction(): { nftables: Expr[] } {
  return { nftables: [{ add: { table: { ...TABLE } } }, { delete: { table: { ...TABLE } } }] };
}

const ACCEPT: Expr = { accept: null };
const DROP: Expr = { drop: null };
const ESTABLISHED: Expr = {
  match: { op: 'in', left: { ct: { key: 'state' } }, right: 'established' },
};
const RELATED: Expr = { match: { op: 'in', left: { ct: { key: 'state' } }, right: 'related' } };
const ND_TYPES = [
  'nd-router-solicit',
  'nd-router-advert',
  'nd-neighbor-solicit',
  'nd-neighbor-advert',
];

function match(left: Expr, right: unknown): Expr {
  return { match: { op: '==', left, right } };
}

function payload(protocol: string, field: string): Expr {
  return { payload: { protocol, field } };
}

function meta(key: string): Expr {
  return { meta: { key } };
}

function set(values: readonly (string | number)[]): unknown {
  return values.length === 1 ? values[0] : { set: [...values] };
}

function byFamily(addresses: readonly string[]): [4 | 6, string[]][] {
  const out: [4 | 6, string[]][] = [];
  for (const family of [4, 6] as const) {
    const list = addresses.filter((a) => parseAddress(a)?.family === family);
    if (list.length > 0) out.push([family, list]);
  }
  return out;
}
