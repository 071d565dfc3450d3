/**
 * The fleet's network map, built from each host's listeners and established connections: who
 * talks to whom (by address and port), with hosts matched to the addresses their interfaces
 * carry. Pure: the service feeds it the latest inventories and the hosts' statuses.
 */

export interface HostListener {
  protocol: string;
  address: string;
  port: number;
  /** Owning processes: pid and comm. */
  processes: Array<{ pid: number; comm: string }>;
}

export interface HostConnection {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  processes: Array<{ pid: number; comm: string }>;
}

export interface VulnerableJvm {
  pid: number;
  main: string;
  user: string;
  /** Paths of the vulnerable log4j copies it runs. */
  jars: string[];
}

/** What one host's latest inventory says about its place in the network. */
export interface HostNetFacts {
  addresses: string[];
  listeners: HostListener[];
  connections: HostConnection[];
  vulnerableJvms: VulnerableJvm[];
}

export interface HostNode extends HostNetFacts {
  hostId: string;
  hostname: string;
  /** The host's status (the jar scan's verdict), read from hosts.status. */
  status: string;
}

/** A node is a fleet host ("host:<id>"), an address no host claims ("ip:<address>"), or one several claim ("ambiguous:<address>"). */
export type NodeRef = string;

export interface Edge {
  from: NodeRef;
  to: NodeRef;
  /** The server's port. */
  port: number;
  /** The server-side process when the server is a fleet host that reported it. */
  service: string | null;
  /** Which end(s) reported the connection. */
  seenBy: Array<'client' | 'server'>;
  connections: number;
}

export interface NetworkGraph {
  hosts: Map<string, HostNode>;
  edges: Edge[];
  /** Addresses claimed by more than one host (e.g. 172.17.0.1 of every docker0): not matched. */
  ambiguous: Map<string, string[]>;
}

export const hostRef = (hostId: string): NodeRef => `host:${hostId}`;
const hostIdOf = (ref: NodeRef): string | undefined =>
  ref.startsWith('host:') ? ref.slice(5) : undefined;

/** "::ffff:10.0.0.7" is 10.0.0.7; IPv6 in lowercase. */
export function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export function isLoopback(address: string): boolean {
  const a = normalizeAddress(address);
  return a === '::1' || a.startsWith('127.') || a === 'localhost';
}

const isWildcard = (address: string): boolean => {
  const a = normalizeAddress(address);
  return a === '0.0.0.0' || a === '::';
};
const isLinkLocal = (address: string): boolean =>
  /^fe[89ab][0-9a-f]:/.test(normalizeAddress(address));

/** A listener of `host` that accepts connections to local address:port. */
function listenerFor(host: HostNetFacts, address: string, port: number): HostListener | undefined {
  const a = normalizeAddress(address);
  return host.listeners.find(
    (l) =>
      l.protocol.startsWith('tcp') &&
      l.port === port &&
      (isWildcard(l.address) || normalizeAddress(l.address) === a),
  );
}

export function buildNetworkGraph(hosts: HostNode[]): NetworkGraph {
  const owners = new Map<string, Set<string>>();
  for (const h of hosts)
    for (const raw of h.addresses) {
      const a = normalizeAddress(raw);
      if (a === '' || isLoopback(a) || isWildcard(a) || isLinkLocal(a)) continue;
      owners.set(a, (owners.get(a) ?? new Set()).add(h.hostId));
    }
  const ambiguous = new Map(
    [...owners].filter(([, ids]) => ids.size > 1).map(([a, ids]) => [a, [...ids].sort()]),
  );
  const resolve = (address: string): NodeRef => {
    const a = normalizeAddress(address);
    const ids = owners.get(a);
    if (!ids) return `ip:${a}`;
    return ids.size === 1 ? hostRef([...ids][0]) : `ambiguous:${a}`;
  };
  const byId = new Map(hosts.map((h) => [h.hostId, h]));
  const edges = new Map<string, Edge>();
  // Connections each end reported: both ends see the same connections, so an edge has the larger.
  const counts = new Map<string, { client: number; server: number }>();
  const add = (
    from: NodeRef,
    to: NodeRef,
    port: number,
    by: 'client' | 'server',
    service: string | null,
  ) => {
    const key = `${from}>${to}:${port}`;
    const e = edges.get(key) ?? { from, to, port, service: null, seenBy: [], connections: 0 };
    const n = counts.get(key) ?? { client: 0, server: 0 };
    n[by] += 1;
    counts.set(key, n);
    e.connections = Math.max(n.client, n.server);
    if (!e.seenBy.includes(by)) e.seenBy.push(by);
    e.service ??= service;
    edges.set(key, e);
  };
  for (const h of hosts) {
    for (const c of h.connections) {
      if (isLoopback(c.remoteAddress)) continue;
      const local = listenerFor(h, c.localAddress, c.localPort);
      if (local) {
        add(
          resolve(c.remoteAddress),
          hostRef(h.hostId),
          c.localPort,
          'server',
          local.processes[0]?.comm ?? null,
        );
        continue;
      }
      const to = resolve(c.remoteAddress);
      const server = byId.get(hostIdOf(to) ?? '');
      const service = server
        ? (listenerFor(server, c.remoteAddress, c.remotePort)?.processes[0]?.comm ?? null)
        : null;
      add(hostRef(h.hostId), to, c.remotePort, 'client', service);
    }
  }
  return {
    hosts: byId,
    edges: [...edges.values()].sort(
      (a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.port - b.port,
    ),
    ambiguous,
  };
}

/** Listeners a peer outside the host can reach: not bound to loopback. */
export const exposedListeners = (h: HostNetFacts): HostListener[] =>
  h.listeners.filter((l) => !isLoopback(l.address));

export interface Reach {
  hostId: string;
  /** 1: talks to it directly; more: through that many observed hops. */
  hops: number;
  /** Host ids from this host to the target, both ends included. */
  path: string[];
  /** Ports of the last hop. */
  ports: number[];
}

/**
 * Hosts from which `target` is reachable over observed connections, nearest first: a host that
 * talks to a host that talks to the target reaches it in 2 hops (an attacker on it could
 * pivot). Breadth-first against the edges, at most `maxHops`.
 */
export function reachableFrom(graph: NetworkGraph, target: string, maxHops: number): Reach[] {
  const inbound = new Map<string, Edge[]>();
  for (const e of graph.edges) {
    const to = hostIdOf(e.to);
    if (to && hostIdOf(e.from)) inbound.set(to, [...(inbound.get(to) ?? []), e]);
  }
  const found = new Map<string, Reach>();
  let frontier = [{ hostId: target, path: [target] }];
  for (let hops = 1; hops <= maxHops && frontier.length > 0; hops++) {
    const next: typeof frontier = [];
    for (const { hostId, path } of frontier) {
      const byClient = new Map<string, number[]>();
      for (const e of inbound.get(hostId) ?? []) {
        const from = hostIdOf(e.from)!;
        byClient.set(from, [...(byClient.get(from) ?? []), e.port]);
      }
      for (const [from, ports] of byClient) {
        if (from === target || found.has(from)) continue;
        const reach = {
          hostId: from,
          hops,
          path: [from, ...path],
          ports: [...new Set(ports)].sort((a, b) => a - b),
        };
        found.set(from, reach);
        next.push({ hostId: from, path: reach.path });
      }
    }
    frontier = next;
  }
  return [...found.values()];
}

export interface Peer {
  node: NodeRef;
  hostId: string | null;
  hostname: string | null;
  address: string | null;
  ports: number[];
  connections: number;
}

/** Who talks to `hostId` (inbound, it is the server) and whom it talks to (outbound). */
export function peersOf(
  graph: NetworkGraph,
  hostId: string,
): { inbound: Peer[]; outbound: Peer[] } {
  const me = hostRef(hostId);
  const collect = (edges: Edge[], other: (e: Edge) => NodeRef): Peer[] => {
    const peers = new Map<NodeRef, Peer>();
    for (const e of edges) {
      const node = other(e);
      const id = hostIdOf(node) ?? null;
      const p = peers.get(node) ?? {
        node,
        hostId: id,
        hostname: id ? (graph.hosts.get(id)?.hostname ?? null) : null,
        address: id ? null : node.slice(node.indexOf(':') + 1),
        ports: [],
        connections: 0,
      };
      if (!p.ports.includes(e.port)) p.ports.push(e.port);
      p.ports.sort((a, b) => a - b);
      p.connections += e.connections;
      peers.set(node, p);
    }
    return [...peers.values()].sort((a, b) =>
      (a.hostname ?? a.node).localeCompare(b.hostname ?? b.node),
    );
  };
  return {
    inbound: collect(
      graph.edges.filter((e) => e.to === me),
      (e) => e.from,
    ),
    outbound: collect(
      graph.edges.filter((e) => e.from === me),
      (e) => e.to,
    ),
  };
}
