// Seeded randomness for the generator: sfc32 for decisions, AES-128-CTR keystream for
// bulk incompressible bytes (fast, and the same seed always gives the same bytes).
import crypto from 'node:crypto';

export class Rng {
  constructor(seed) {
    const h = crypto.createHash('sha256').update(String(seed)).digest();
    this.a = h.readUInt32LE(0);
    this.b = h.readUInt32LE(4);
    this.c = h.readUInt32LE(8);
    this.d = h.readUInt32LE(12) | 1;
    for (let i = 0; i < 20; i++) this.u32();
    this.cipher = crypto.createCipheriv('aes-128-ctr', h.subarray(16, 32), Buffer.alloc(16));
  }
  u32() {
    // sfc32
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  float() {
    return this.u32() / 4294967296;
  }
  int(min, max) {
    // inclusive
    return min + Math.floor(this.float() * (max - min + 1));
  }
  chance(p) {
    return this.float() < p;
  }
  pick(arr) {
    return arr[Math.floor(this.float() * arr.length)];
  }
  /** Picks from [[weight, value], ...]. */
  weighted(pairs) {
    const total = pairs.reduce((s, [w]) => s + w, 0);
    let x = this.float() * total;
    for (const [w, v] of pairs) {
      if ((x -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][1];
  }
  /** Log-uniform integer in [min, max]. */
  logUniform(min, max) {
    return Math.round(Math.exp(Math.log(min) + this.float() * (Math.log(max) - Math.log(min))));
  }
  shuffle(arr) {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
  }
  /** n incompressible bytes. */
  bytes(n) {
    return this.cipher.update(Buffer.alloc(n));
  }
}
