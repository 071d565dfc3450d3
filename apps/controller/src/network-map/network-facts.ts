import type { InventorySnapshot } from '@log4fleet/contracts';
import { chainToPathText } from '../common/path-text';
import type { HostListener, HostNetFacts } from './network-graph';

const owners = (processes: Array<{ pid: number; comm: string }>) =>
  processes.map((p) => ({ pid: p.pid, comm: p.comm }));

/** What the network map keeps of a snapshot: addresses, TCP listeners, connections, vulnerable JVMs. */
export function toNetFacts(s: InventorySnapshot): HostNetFacts {
  const net = s.network;
  return {
    addresses: (net?.interfaces ?? []).flatMap((i) =>
      i.addresses.filter((a) => !a.internal).map((a) => a.address),
    ),
    listeners: (net?.listening ?? [])
      .filter((l) => l.protocol.startsWith('tcp'))
      .map((l): HostListener => ({
        protocol: l.protocol,
        address: l.address,
        port: l.port,
        processes: owners(l.processes),
      })),
    connections: (net?.connections ?? []).map((c) => ({
      localAddress: c.localAddress,
      localPort: c.localPort,
      remoteAddress: c.remoteAddress,
      remotePort: c.remotePort,
      processes: owners(c.processes),
    })),
    vulnerableJvms: s.jvms
      .map((j) => ({
        pid: j.pid,
        main: j.main,
        user: j.user,
        jars: [
          ...new Set(
            j.findings
              .filter((f) => f.finding?.status === 'vulnerable')
              .map((f) => chainToPathText(f.finding?.chain ?? [])),
          ),
        ],
      }))
      .filter((j) => j.jars.length > 0),
  };
}
