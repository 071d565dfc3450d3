import { isIPv4, isIPv6 } from 'node:net';

/** An address in the form nft prints it (IPv6 compressed, lower case), with its family. */
export interface Address {
  family: 4 | 6;
  address: string;
}

/** `address` normalized, or null when it is not a plain IPv4/IPv6 address (zones refused). */
export function parseAddress(input: string): Address | null {
  const text = input.trim();
  if (isIPv4(text)) return { family: 4, address: text };
  if (!isIPv6(text) || text.includes('%')) return null;
  return { family: 6, address: compressIPv6(text) };
}

/**
 * `a.b.c.d/n` or `x::/n` (or a bare address, a full-length prefix) with host bits cleared:
 * nft would otherwise print a different network than the one written, and the read-back
 * comparison would fail for no real reason.
 */
export function parseCidr(
  input: string,
): { family: 4 | 6; address: string; prefix: number } | null {
  const [addr, len, extra] = input.trim().split('/');
  if (addr === undefined || extra !== undefined) return null;
  const parsed = parseAddress(addr);
  if (!parsed) return null;
  const bits = parsed.family === 4 ? 32 : 128;
  if (len === undefined) return { ...parsed, prefix: bits };
  if (!/^\d{1,3}$/.test(len)) return null;
  const prefix = Number(len);
  if (prefix > bits) return null;
  const value = toBigInt(parsed);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family: parsed.family, address: fromBigInt(value & mask, parsed.family), prefix };
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/** True when `address` lies inside `network/prefix` of the same family. */
export function inPrefix(address: string, network: string, prefix: number): boolean {
  const a = parseAddress(address);
  const n = parseAddress(network);
  if (!a || !n || a.family !== n.family) return false;
  const bits = a.family === 4 ? 32 : 128;
  const shift = BigInt(bits - prefix);
  return toBigInt(a) >> shift === toBigInt(n) >> shift;
}

function compressIPv6(text: string): string {
  // The WHATWG URL parser serializes IPv6 hosts per RFC 5952, as nft does.
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

function toBigInt(a: Address): bigint {
  if (a.family === 4) {
    return a.address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  }
  return expandIPv6(a.address).reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

function fromBigInt(value: bigint, family: 4 | 6): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return compressIPv6(groups.join(':'));
}

function expandIPv6(address: string): number[] {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split('.').map(Number);
    text =
      text.slice(0, -v4[1].length) +
      `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill =
    tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}
