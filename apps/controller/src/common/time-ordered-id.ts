import { randomFillSync } from 'node:crypto';

const RANDOM_BYTES = 10;
const pool = Buffer.alloc(RANDOM_BYTES * 512);
let offset = pool.length;

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Rows keyed by
 * it are appended at the end of their primary-key index instead of at a random page, so a
 * commit of many new rows (audit events, findings) writes a few index pages, not one per row.
 */
export function timeOrderedUuid(nowMs = Date.now()): string {
  if (offset + RANDOM_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  pool.copy(bytes, 6, offset, offset + RANDOM_BYTES);
  offset += RANDOM_BYTES;
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
