/**
 * The little of BER (X.690) an LDAP responder needs: read one tag-length-value, and write
 * definite-length TLVs. Lengths are bounded by the caller's buffer; nothing is allocated from a
 * length the peer claims.
 */

export interface Tlv {
  tag: number;
  /** The value's bytes (a view into the input). */
  value: Buffer;
  /** Bytes the whole TLV took, header included. */
  size: number;
}

export class BerError extends Error {}

/**
 * Reads the TLV at `offset`. Returns undefined when the buffer does not hold all of it yet
 * (more bytes may come); throws BerError on what no more bytes can fix (multi-byte tags,
 * indefinite or over-long lengths, a length above `maxLength`).
 */
export function readTlv(buf: Buffer, offset = 0, maxLength = 1 << 20): Tlv | undefined {
  if (buf.length < offset + 2) return undefined;
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new BerError('multi-byte BER tags are not LDAP');
  let length = buf[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new BerError('indefinite BER length is not allowed in LDAP');
    if (count > 4) throw new BerError(`BER length of ${count} bytes is too long`);
    if (buf.length < offset + 2 + count) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i];
    header += count;
  }
  if (length > maxLength) throw new BerError(`BER value of ${length} bytes exceeds ${maxLength}`);
  if (buf.length < offset + header + length) return undefined;
  const start = offset + header;
  return { tag, value: buf.subarray(start, start + length), size: header + length };
}

/** Every TLV inside a constructed value, in order. Throws BerError on a truncated one. */
export function readChildren(value: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < value.length) {
    const tlv = readTlv(value, offset, value.length);
    if (!tlv) throw new BerError('truncated BER value');
    out.push(tlv);
    offset += tlv.size;
  }
  return out;
}

/** A non-negative INTEGER's value (LDAP message ids are 0..2^31-1). */
export function readInteger(value: Buffer): number {
  if (value.length === 0 || value.length > 4) throw new BerError('bad INTEGER length');
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const value = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

export function integer(tag: number, n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || bytes[0] & 0x80) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

export const octets = (s: string): Buffer => tlv(0x04, Buffer.from(s, 'utf8'));
