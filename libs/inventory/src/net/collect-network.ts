import os from 'node:os';
import type {
  EstablishedConnection,
  ListeningSocket,
  NetworkInfo,
  NetworkInterface,
  SocketOwner,
} from '../types';
import type { RootFs } from '../util/root-fs';
import { listPids, parseStatusUids, readFdLinks } from '../proc/processes';
import {
  isEstablishedRemote,
  isListening,
  parseProcNet,
  type SocketProtocol,
  type SocketRow,
  socketInode,
} from './proc-net';
import { parseDefaultRoutes } from './route';

const PROTOCOLS: SocketProtocol[] = ['tcp', 'tcp6', 'udp', 'udp6'];

function interfaces(): NetworkInterface[] {
  return Object.entries(os.networkInterfaces()).map(([name, addrs]) => ({
    name,
    addresses: (addrs ?? []).map((a) => ({
      address: a.address,
      family: a.family,
      cidr: a.cidr,
      mac: a.mac,
      internal: a.internal,
    })),
  }));
}

/** Which processes hold which socket inodes, from the /proc/PID/fd links "socket:[inode]". */
export async function socketOwners(
  fs: RootFs,
  wanted: Set<number>,
  userName: (uid: number) => string | undefined,
): Promise<Map<number, SocketOwner[]>> {
  const owners = new Map<number, SocketOwner[]>();
  if (wanted.size === 0) return owners;
  for (const pid of await listPids(fs)) {
    const inodes = [...(await readFdLinks(fs, pid)).values()]
      .map(socketInode)
      .filter((i): i is number => i !== undefined && wanted.has(i));
    if (inodes.length === 0) continue;
    const comm = (await fs.readText(`/proc/${pid}/comm`, { quiet: true }))?.trim();
    const status = await fs.readText(`/proc/${pid}/status`, { quiet: true });
    const uid = status !== undefined ? parseStatusUids(status)?.effectiveUid : undefined;
    const ref: SocketOwner = {
      pid,
      comm,
      uid,
      user: uid !== undefined ? userName(uid) : undefined,
    };
    for (const inode of new Set(inodes)) owners.set(inode, [...(owners.get(inode) ?? []), ref]);
  }
  return owners;
}

async function socketRows(fs: RootFs): Promise<SocketRow[]> {
  const rows: SocketRow[] = [];
  for (const protocol of PROTOCOLS) {
    const file = `/proc/net/${protocol}`;
    const text = await fs.readText(file);
    if (text === undefined) continue;
    const parsed = parseProcNet(text, protocol, file);
    fs.warnings.push(...parsed.warnings);
    rows.push(...parsed.value);
  }
  return rows;
}

/** Listening sockets and established connections, with their owners matched in one pass over /proc. */
async function sockets(
  fs: RootFs,
  userName: (uid: number) => string | undefined,
): Promise<{ listening: ListeningSocket[]; connections: EstablishedConnection[] }> {
  const rows = await socketRows(fs);
  const listening = rows.filter(isListening);
  const established = rows.filter(isEstablishedRemote);
  // Inode 0 means the socket is orphaned (no process holds it); there is nothing to match.
  const owners = await socketOwners(
    fs,
    new Set([...listening, ...established].map((r) => r.inode).filter((i) => i !== 0)),
    userName,
  );
  return {
    listening: listening.map((r) => ({
      protocol: r.protocol,
      address: r.local.address,
      port: r.local.port,
      inode: r.inode,
      uid: r.uid,
      processes: owners.get(r.inode) ?? [],
    })),
    connections: established.map((r) => ({
      protocol: r.protocol as 'tcp' | 'tcp6',
      local: r.local,
      remote: r.remote,
      inode: r.inode,
      uid: r.uid,
      processes: owners.get(r.inode) ?? [],
    })),
  };
}

export async function collectNetwork(
  fs: RootFs,
  userName: (uid: number) => string | undefined,
): Promise<NetworkInfo> {
  const routeText = await fs.readText('/proc/net/route');
  const routes =
    routeText !== undefined ? parseDefaultRoutes(routeText) : { value: [], warnings: [] };
  fs.warnings.push(...routes.warnings);
  return {
    interfaces: interfaces(),
    defaultRoutes: routes.value,
    ...(await sockets(fs, userName)),
  };
}
