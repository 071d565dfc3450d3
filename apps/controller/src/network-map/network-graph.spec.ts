import {
  buildNetworkGraph,
  type HostConnection,
  type HostListener,
  type HostNode,
  peersOf,
  reachableFrom,
} from './network-graph';

const listener = (address: string, port: number, comm: string, pid = 1): HostListener => ({
  protocol: address.includes(':') ? 'tcp6' : 'tcp',
  address,
  port,
  processes: [{ pid, comm }],
});
const conn = (local: string, remote: string): HostConnection => {
  const [la, lp] = local.split(/:(?=\d+$)/);
  const [ra, rp] = remote.split(/:(?=\d+$)/);
  return { localAddress: la, localPort: +lp, remoteAddress: ra, remotePort: +rp, processes: [] };
};
const host = (id: string, status: string, over: Partial<HostNode>): HostNode => ({
  hostId: id,
  hostname: id,
  status,
  addresses: [],
  listeners: [],
  connections: [],
  vulnerableJvms: [],
  ...over,
});

// lb (10.0.0.3) -> web (10.0.0.1):8080 -> db (10.0.0.2):5432; jump -> lb:443; the internet -> lb:443.
const fleet = [
  host('web', 'vulnerable', {
    addresses: ['10.0.0.1', '172.17.0.1', 'fe80::1'],
    listeners: [listener('::', 8080, 'java', 100), listener('127.0.0.1', 9000, 'java', 100)],
    connections: [
      conn('::ffff:10.0.0.1:8080', '::ffff:10.0.0.3:51000'),
      conn('10.0.0.1:40000', '10.0.0.2:5432'),
    ],
  }),
  host('db', 'clean', {
    addresses: ['10.0.0.2', '172.17.0.1', 'fe80::1'],
    listeners: [listener('0.0.0.0', 5432, 'postgres')],
    connections: [conn('10.0.0.2:5432', '10.0.0.1:40000')],
  }),
  host('lb', 'clean', {
    addresses: ['10.0.0.3'],
    listeners: [listener('0.0.0.0', 443, 'nginx')],
    connections: [
      conn('10.0.0.3:51000', '10.0.0.1:8080'),
      conn('10.0.0.3:443', '10.0.0.4:33000'),
      conn('10.0.0.3:443', '203.0.113.9:60000'),
      conn('10.0.0.3:52000', '172.17.0.1:80'),
    ],
  }),
  host('jump', 'unknown', { addresses: ['10.0.0.4'] }),
];

describe('buildNetworkGraph', () => {
  const graph = buildNetworkGraph(fleet);

  it('turns both ends of each connection into one client -> server:port edge', () => {
    expect(
      graph.edges.map(
        (e) =>
          `${e.from} -> ${e.to}:${e.port} ${e.service} ${[...e.seenBy].sort().join('+')} x${e.connections}`,
      ),
    ).toEqual([
      'host:jump -> host:lb:443 nginx server x1',
      'host:lb -> ambiguous:172.17.0.1:80 null client x1',
      'host:lb -> host:web:8080 java client+server x1',
      'host:web -> host:db:5432 postgres client+server x1',
      'ip:203.0.113.9 -> host:lb:443 nginx server x1',
    ]);
  });

  it('matches no host to an address several hosts carry, nor to link-local ones', () => {
    expect([...graph.ambiguous]).toEqual([['172.17.0.1', ['db', 'web']]]);
    expect(graph.edges.some((e) => e.to.includes('fe80'))).toBe(false);
  });

  it('finds who reaches the vulnerable host, directly and through hops', () => {
    expect(reachableFrom(graph, 'web', 3)).toEqual([
      { hostId: 'lb', hops: 1, path: ['lb', 'web'], ports: [8080] },
      { hostId: 'jump', hops: 2, path: ['jump', 'lb', 'web'], ports: [443] },
    ]);
    expect(reachableFrom(graph, 'web', 1).map((r) => r.hostId)).toEqual(['lb']);
    // db is only a server of web: it does not reach web.
    expect(reachableFrom(graph, 'db', 3).map((r) => r.hostId)).toEqual(['web', 'lb', 'jump']);
  });

  it('lists who talks to a host and whom it talks to, outside addresses included', () => {
    const lb = peersOf(graph, 'lb');
    expect(lb.inbound.map((p) => [p.hostname ?? p.address, p.ports])).toEqual([
      ['203.0.113.9', [443]],
      ['jump', [443]],
    ]);
    expect(lb.outbound.map((p) => [p.hostname ?? p.address, p.ports])).toEqual([
      ['172.17.0.1', [80]],
      ['web', [8080]],
    ]);
  });
});
