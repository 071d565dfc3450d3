import os from 'node:os';
import {
  isListening,
  parseProcNet,
  readFdLinks,
  RootFs,
  type SocketProtocol,
  type SocketRow,
  socketOwners,
} from '@log4fleet/inventory';
import { isJavaProcess, ProcReader } from '@log4fleet/jvm-probe';
import type { CallbackProcess, Endpoint, ProbeTarget } from './types';

export interface TargetOptions {
  /** Where /proc is. Default "/proc" (the agent's own network namespace's tables). */
  procRoot?: string;
}

const unmapV4 = (a: string): string => (/^::ffff:\d+\.\d+\.\d+\.\d+$/.test(a) ? a.slice(7) : a);

export function isLoopbackAddress(address: string): boolean {
  const a = unmapV4(address);
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

/** This host's own addresses: loopback and every interface address. */
export function ownAddresses(): Set<string> {
  const out = new Set(['127.0.0.1', '::1']);
  for (const addrs of Object.values(os.networkInterfaces()))
    for (const a of addrs ?? []) out.add(a.address.replace(/%.*$/, ''));
  return out;
}

/** True when a probe may be sent there: a loopback address or one of this host's own. */
export function isOwnAddress(address: string, own = ownAddresses()): boolean {
  const a = unmapV4(address);
  return isLoopbackAddress(a) || own.has(a);
}

/** Where to reach a listener from this host: a wildcard bind is reached on loopback. */
export function probeAddressFor(listening: string): string {
  const a = unmapV4(listening);
  if (a === '0.0.0.0') return '127.0.0.1';
  if (a === '::') return '::1';
  return a;
}

async function socketRows(
  fs: RootFs,
  protocols: SocketProtocol[],
  procRoot: string,
): Promise<SocketRow[]> {
  const rows: SocketRow[] = [];
  for (const protocol of protocols) {
    const text = await fs.readText(`${procRoot}/net/${protocol}`, { quiet: true });
    if (text !== undefined) rows.push(...parseProcNet(text, protocol).value);
  }
  return rows;
}

async function owners(fs: RootFs, inodes: Set<number>): Promise<Map<number, CallbackProcess[]>> {
  const found = await socketOwners(fs, inodes, () => undefined);
  return new Map(
    [...found].map(([inode, list]) => [inode, list.map((o) => ({ pid: o.pid, comm: o.comm }))]),
  );
}

/**
 * TCP listeners held by JVMs, one target per port (a service listening on both 0.0.0.0 and ::
 * is probed once, over IPv4). Only sockets of the caller's network namespace are seen.
 */
export async function findJvmListeners(opts: TargetOptions = {}): Promise<ProbeTarget[]> {
  const procRoot = opts.procRoot ?? '/proc';
  const fs = new RootFs('/');
  const proc = new ProcReader(procRoot);
  const rows = (await socketRows(fs, ['tcp', 'tcp6'], procRoot)).filter(
    (r) => isListening(r) && r.inode !== 0,
  );
  const byInode = await owners(fs, new Set(rows.map((r) => r.inode)));
  const javaPids = new Map<number, boolean>();
  const isJava = async (pid: number): Promise<boolean> => {
    if (!javaPids.has(pid)) javaPids.set(pid, await isJavaProcess(proc, pid));
    return javaPids.get(pid) === true;
  };
  const targets = new Map<number, ProbeTarget>();
  for (const row of rows.sort((a, b) => a.protocol.localeCompare(b.protocol))) {
    const jvms: CallbackProcess[] = [];
    for (const p of byInode.get(row.inode) ?? []) if (await isJava(p.pid)) jvms.push(p);
    if (jvms.length === 0 || targets.has(row.local.port)) continue;
    targets.set(row.local.port, {
      address: probeAddressFor(row.local.address),
      port: row.local.port,
      bound: row.local.address,
      processes: jvms,
    });
  }
  return [...targets.values()].sort((a, b) => a.port - b.port);
}

/**
 * The process whose socket is `peer` (a client connection to one of our responders), read from
 * the socket tables while the connection is open.
 */
export async function socketProcess(
  peer: Endpoint,
  transport: 'tcp' | 'udp',
  procRoot = '/proc',
  candidates: readonly CallbackProcess[] = [],
): Promise<CallbackProcess | undefined> {
  const fs = new RootFs('/');
  const protocols: SocketProtocol[] = transport === 'tcp' ? ['tcp', 'tcp6'] : ['udp', 'udp6'];
  const address = unmapV4(peer.address);
  const row = (await socketRows(fs, protocols, procRoot)).find(
    (r) =>
      r.local.port === peer.port &&
      r.inode !== 0 &&
      // A UDP client socket (the JDK's DNS client) is often bound to the wildcard address.
      [address, '0.0.0.0', '::'].includes(unmapV4(r.local.address)),
  );
  if (!row) return undefined;
  // The probed JVMs first: reading every process's fds took 250-850 ms a callback, and the
  // JVM waits for its answer meanwhile.
  const socket = `socket:[${row.inode}]`;
  for (const c of candidates)
    if ([...(await readFdLinks(fs, c.pid)).values()].includes(socket)) return c;
  return (await owners(fs, new Set([row.inode]))).get(row.inode)?.[0];
}
