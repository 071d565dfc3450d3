import type { Parsed, ParseWarning } from '../types';
import { numberedLines } from '../util/lines';

export type SocketProtocol = 'tcp' | 'tcp6' | 'udp' | 'udp6';

/** TCP states as the kernel numbers them in /proc/net/tcp (include/net/tcp_states.h). */
export const TCP_STATE = {
  ESTABLISHED: 0x01,
  SYN_SENT: 0x02,
  LISTEN: 0x0a,
  // For UDP the kernel reuses the numbers: 01 = connected, 07 (TCP_CLOSE) = unconnected/bound.
  CLOSE: 0x07,
} as const;

export interface SocketEndpoint {
  address: string;
  port: number;
}

export interface SocketRow {
  protocol: SocketProtocol;
  local: SocketEndpoint;
  remote: SocketEndpoint;
  state: number;
  uid: number;
  inode: number;
}

function hexByte(hex: string, i: number): number {
  return parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}

/**
 * Decodes an address as /proc/net/{tcp,udp}[6] prints it: 32-bit words in host byte order
 * (little-endian on every platform we run on), so each 4-byte group is byte-reversed.
 */
export function decodeProcAddress(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const bytes: number[] = [];
  for (let word = 0; word < hex.length / 8; word++) {
    const w = hex.slice(word * 8, word * 8 + 8);
    bytes.push(hexByte(w, 3), hexByte(w, 2), hexByte(w, 1), hexByte(w, 0));
  }
  if (bytes.length === 4) return bytes.join('.');
  return formatIpv6(bytes);
}

function formatIpv6(bytes: number[]): string {
  const isV4Mapped =
    bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isV4Mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  return compressIpv6(groups);
}

/** RFC 5952: the longest run (>= 2) of zero groups becomes "::", lowercase hex. */
function compressIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

function parseEndpoint(field: string): SocketEndpoint | undefined {
  const [addrHex, portHex, ...rest] = field.split(':');
  if (rest.length > 0 || portHex === undefined || !/^[0-9A-Fa-f]{4}$/.test(portHex))
    return undefined;
  const address = decodeProcAddress(addrHex);
  return address === undefined ? undefined : { address, port: parseInt(portHex, 16) };
}

/** Parses /proc/net/{tcp,tcp6,udp,udp6} (the same layout for all four). */
export function parseProcNet(
  text: string,
  protocol: SocketProtocol,
  file = `/proc/net/${protocol}`,
): Parsed<SocketRow[]> {
  const value: SocketRow[] = [];
  const warnings: ParseWarning[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    const f = t.trim().split(/\s+/);
    if (line === 1 && f[0] === 'sl') continue;
    if (f.length === 1 && f[0] === '') continue;
    const local = f.length >= 10 ? parseEndpoint(f[1]) : undefined;
    const remote = f.length >= 10 ? parseEndpoint(f[2]) : undefined;
    const state = parseInt(f[3] ?? '', 16);
    const uid = Number(f[7]);
    const inode = Number(f[9]);
    if (
      !/^\d+:$/.test(f[0]) ||
      !local ||
      !remote ||
      Number.isNaN(state) ||
      !Number.isInteger(uid) ||
      !Number.isInteger(inode)
    ) {
      warnings.push({ file, line, message: 'not a socket table row' });
      continue;
    }
    value.push({ protocol, local, remote, state, uid, inode });
  }
  return { value, warnings };
}

/** A socket that waits for peers: TCP in LISTEN, UDP bound but not connected. */
export function isListening(row: SocketRow): boolean {
  if (row.protocol === 'tcp' || row.protocol === 'tcp6') return row.state === TCP_STATE.LISTEN;
  return row.state === TCP_STATE.CLOSE && row.remote.port === 0;
}

/** Inode from a /proc/PID/fd link target such as "socket:[12345]". */
export function socketInode(linkTarget: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(linkTarget);
  return m ? Number(m[1]) : undefined;
}

const isLoopback = (address: string): boolean =>
  address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');

/**
 * An established TCP connection that leaves the host: the network map's input. Connections
 * with both ends on loopback say nothing about the fleet and would crowd out the others.
 */
export function isEstablishedRemote(row: SocketRow): boolean {
  if (row.protocol !== 'tcp' && row.protocol !== 'tcp6') return false;
  if (row.state !== TCP_STATE.ESTABLISHED) return false;
  return !(isLoopback(row.local.address) && isLoopback(row.remote.address));
}
