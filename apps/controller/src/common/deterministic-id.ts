import { createHash } from 'node:crypto';

/** Namespace of log4fleet's name-based ids (a random UUID, fixed once). */
const NAMESPACE = Buffer.from('8f0d3c2e6b7a4f1e9c5d2a4b6e8f0a1c', 'hex');

/**
 * A UUID (version 5, RFC 9562 section 5.5) derived from its parts: the same parts give the same
 * id, so a retried job creates the same row instead of a second one.
 */
export function deterministicUuid(...parts: Array<string | number>): string {
  const hash = createHash('sha1')
    .update(NAMESPACE)
    .update(parts.map(String).join('\u0000'))
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
