import { Injectable } from '@nestjs/common';
import { HostsService } from '../hosts/hosts.service';
import { type FactsCache, InventoryService } from '../inventory/inventory.service';
import {
  buildNetworkGraph,
  exposedListeners,
  type HostListener,
  type HostNetFacts,
  type HostNode,
  isLoopback,
  type NetworkGraph,
  peersOf,
  reachableFrom,
} from './network-graph';
import { toNetFacts } from './network-facts';
import {
  ExposedJvmDto,
  HostPeersDto,
  ListenerDto,
  NetworkMapDto,
  VulnerableReachabilityDto,
} from './network-map.dto';

const HOSTS_PAGE = 500;
const NO_FACTS: HostNetFacts = {
  addresses: [],
  listeners: [],
  connections: [],
  vulnerableJvms: [],
};

const toListenerDto = (l: HostListener): ListenerDto => ({
  protocol: l.protocol,
  address: l.address,
  port: l.port,
  pids: l.processes.map((p) => p.pid),
  processes: [...new Set(l.processes.map((p) => p.comm))],
});

/** The fleet's network map and the questions a responder asks of it. */
@Injectable()
export class NetworkMapService {
  private readonly cache: FactsCache<HostNetFacts> = new Map();

  constructor(
    private readonly hosts: HostsService,
    private readonly inventory: InventoryService,
  ) {}

  async map(): Promise<NetworkMapDto> {
    const { graph, collectedAt } = await this.graph();
    return {
      hosts: [...graph.hosts.values()].map((h) => ({
        hostId: h.hostId,
        hostname: h.hostname,
        status: h.status,
        addresses: h.addresses,
        exposedListeners: exposedListeners(h).length,
        vulnerableJvms: h.vulnerableJvms.length,
        inventoryCollectedAt: collectedAt.get(h.hostId) ?? null,
      })),
      edges: graph.edges.map((e) => ({ ...e, seenBy: [...e.seenBy].sort() })),
      ambiguousAddresses: [...graph.ambiguous].map(([address, hostIds]) => ({ address, hostIds })),
    };
  }

  /**
   * Each host whose status is "vulnerable" or "exploitable" (a probe's callback: worse, not
   * better): what it exposes and which hosts reach it.
   */
  async vulnerableReachability(maxHops: number): Promise<VulnerableReachabilityDto> {
    const { graph } = await this.graph();
    const node = (id: string) => graph.hosts.get(id)!;
    const hosts = [...graph.hosts.values()]
      .filter((h) => h.status === 'vulnerable' || h.status === 'exploitable')
      .map((h) => ({
        hostId: h.hostId,
        hostname: h.hostname,
        status: h.status,
        exposedListeners: exposedListeners(h).map(toListenerDto),
        reachableFrom: reachableFrom(graph, h.hostId, maxHops).map((r) => ({
          hostId: r.hostId,
          hostname: node(r.hostId).hostname,
          status: node(r.hostId).status,
          hops: r.hops,
          path: r.path.map((id) => node(id).hostname),
          ports: r.ports,
        })),
      }));
    return { maxHops, hosts };
  }

  /** JVMs running a vulnerable log4j copy that listen outside loopback, and who connects to them. */
  async exposedJvms(): Promise<ExposedJvmDto[]> {
    const { graph } = await this.graph();
    const out: ExposedJvmDto[] = [];
    for (const h of graph.hosts.values()) {
      const { inbound } = peersOf(graph, h.hostId);
      for (const jvm of h.vulnerableJvms) {
        const listeners = h.listeners.filter(
          (l) => !isLoopback(l.address) && l.processes.some((p) => p.pid === jvm.pid),
        );
        if (listeners.length === 0) continue;
        const ports = new Set(listeners.map((l) => l.port));
        out.push({
          hostId: h.hostId,
          hostname: h.hostname,
          hostStatus: h.status,
          pid: jvm.pid,
          main: jvm.main,
          user: jvm.user,
          jars: jvm.jars,
          listeners: listeners.map(toListenerDto),
          clients: inbound
            .filter((p) => p.ports.some((port) => ports.has(port)))
            .map((p) => ({ ...p, ports: p.ports.filter((port) => ports.has(port)) })),
        });
      }
    }
    return out;
  }

  async peers(hostId: string): Promise<HostPeersDto> {
    const host = await this.hosts.get(hostId);
    const { graph } = await this.graph();
    return { hostId, hostname: host.hostname, ...peersOf(graph, hostId) };
  }

  /** Every host (status and addresses from hosts, the rest from its latest inventory). */
  private async graph(): Promise<{ graph: NetworkGraph; collectedAt: Map<string, string> }> {
    const latest = await this.inventory.latestFacts(toNetFacts, this.cache);
    const facts = new Map(latest.map((l) => [l.hostId, l]));
    const nodes: HostNode[] = [];
    for (let page = 1; ; page++) {
      const res = await this.hosts.list({ page, pageSize: HOSTS_PAGE });
      for (const h of res.items) {
        const f = facts.get(h.id)?.facts ?? NO_FACTS;
        nodes.push({
          ...f,
          hostId: h.id,
          hostname: h.hostname,
          status: h.status,
          addresses: [...new Set([...f.addresses, ...h.addresses])],
        });
      }
      if (res.items.length < HOSTS_PAGE || page * HOSTS_PAGE >= res.total) break;
    }
    return {
      graph: buildNetworkGraph(nodes),
      collectedAt: new Map(latest.map((l) => [l.hostId, l.collectedAt])),
    };
  }
}
