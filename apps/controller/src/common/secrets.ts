import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A high-entropy secret; sha256 of it is enough to store (no password stretching needed). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}

export function newShortId(): string {
  return randomBytes(8).toString('hex');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function hashMatches(secret: string, expectedHex: string): boolean {
  const actual = Buffer.from(sha256Hex(secret), 'hex');
  const expected = Buffer.from(expectedHex, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
