/**
 * The first bytes of a raw DEFLATE stream (RFC 1951), decoded in JavaScript and stopped as
 * soon as they are there. The scanner sniffs every entry of every archive for a nested zip
 * (four bytes: "PK\x03\x04"); through zlib each sniff cost a zlib stream object, a zlib
 * state and window (about 40 KB of native memory) and a 16 KB output buffer. On this
 * machine's root filesystem that was 151,000 sniffs, 2.4 GB of output buffers and about
 * 7 µs each. The decoder follows zlib's reference decoder puff.c (canonical Huffman codes,
 * decoded a bit at a time, which is cheap for a handful of symbols) and refuses what zlib
 * refuses: over-subscribed or incomplete codes, distances beyond the output, bad lengths.
 */

const MAX_BITS = 15;
const LEN_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
  163, 195, 227, 258,
];
const LEN_EXTRA = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
  3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
/** Order in which a dynamic block sends its code-length code lengths. */
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
class Huffman {
  readonly count = new Uint16Array(MAX_BITS + 1);
  readonly symbol: Uint16Array;
  private readonly offs = new Uint16Array(MAX_BITS + 1);

  constructor(maxSymbols: number) {
    this.symbol = new Uint16Array(maxSymbols);
  }

  /**
   * Builds the code from `n` code lengths at `lengths[from]`. Returns 0 for a complete code,
   * a positive number for an incomplete one, a negative one for an over-subscribed one.
   */
  build(lengths: Uint8Array, from: number, n: number): number {
    const { count, offs, symbol } = this;
    count.fill(0);
    for (let s = 0; s < n; s++) count[lengths[from + s]]++;
    if (count[0] === n) return 0; // no codes: complete, but decoding with it fails
    let left = 1;
    for (let len = 1; len <= MAX_BITS; len++) {
      left <<= 1;
      left -= count[len];
      if (left < 0) return left;
    }
    offs[1] = 0;
    for (let len = 1; len < MAX_BITS; len++) offs[len + 1] = offs[len] + count[len];
    for (let s = 0; s < n; s++) {
      const len = lengths[from + s];
      if (len !== 0) symbol[offs[len]++] = s;
    }
    return left;
  }
}

const FIXED_LEN = new Huffman(288);
const FIXED_DIST = new Huffman(30);
{
  const lengths = new Uint8Array(288 + 30);
  lengths.fill(8, 0, 144);
  lengths.fill(9, 144, 256);
  lengths.fill(7, 256, 280);
  lengths.fill(8, 280, 288);
  lengths.fill(5, 288, 318);
  FIXED_LEN.build(lengths, 0, 288);
  FIXED_DIST.build(lengths, 288, 30);
}

// Scratch for dynamic blocks: decoding is synchronous, so one set per thread is enough.
const dynLengths = new Uint8Array(286 + 30);
const dynLen = new Huffman(286);
const dynDist = new Huffman(30);
const dynCodeLen = new Huffman(19);

/** Why decoding stopped early; the two are made once and never escape this module. */
class Stop extends Error {}
/** Thrown when the input ends before the output is complete. */
const TRUNCATED = new Stop('the input ends before the output is complete');
/** Thrown when the stream is not valid DEFLATE. */
const CORRUPT = new Stop('not valid DEFLATE');

class PrefixDecoder {
  private pos = 0;
  private bitBuf = 0;
  private bitCount = 0;
  readonly out: Uint8Array;
  outLen = 0;

  constructor(
    private readonly input: Uint8Array,
    want: number,
  ) {
    this.out = new Uint8Array(want);
  }

  private bits(n: number): number {
    let buf = this.bitBuf;
    while (this.bitCount < n) {
      if (this.pos >= this.input.length) throw TRUNCATED;
      buf |= this.input[this.pos++] << this.bitCount;
      this.bitCount += 8;
    }
    this.bitBuf = buf >>> n;
    this.bitCount -= n;
    return buf & ((1 << n) - 1);
  }

  private decode(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      code |= this.bits(1);
      const count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw CORRUPT; // ran out of codes: an incomplete code met a missing one
  }

  /** Decodes blocks until the output is full (true) or the last block ends (false). */
  run(): boolean {
    let last = 0;
    do {
      last = this.bits(1);
      const type = this.bits(2);
      let full: boolean;
      if (type === 0) full = this.stored();
      else if (type === 1) full = this.codes(FIXED_LEN, FIXED_DIST);
      else if (type === 2) full = this.dynamic();
      else throw CORRUPT;
      if (full) return true;
    } while (!last);
    return false;
  }

  private stored(): boolean {
    this.bitBuf = 0; // a stored block starts on a byte boundary
    this.bitCount = 0;
    const { input } = this;
    if (this.pos + 4 > input.length) throw TRUNCATED;
    const len = input[this.pos] | (input[this.pos + 1] << 8);
    const nlen = input[this.pos + 2] | (input[this.pos + 3] << 8);
    if (len !== (~nlen & 0xffff)) throw CORRUPT;
    this.pos += 4;
    const take = Math.min(len, this.out.length - this.outLen, input.length - this.pos);
    this.out.set(input.subarray(this.pos, this.pos + take), this.outLen);
    this.outLen += take;
    this.pos += take;
    if (this.outLen === this.out.length) return true;
    if (take < len) throw TRUNCATED;
    return false;
  }

  private dynamic(): boolean {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw CORRUPT;
    const lengths = dynLengths;
    lengths.fill(0, 0, 19);
    for (let i = 0; i < ncode; i++) lengths[CL_ORDER[i]] = this.bits(3);
    if (dynCodeLen.build(lengths, 0, 19) !== 0) throw CORRUPT;
    const total = nlen + ndist;
    let index = 0;
    while (index < total) {
      let sym = this.decode(dynCodeLen);
      if (sym < 16) {
        lengths[index++] = sym;
        continue;
      }
      let len = 0;
      if (sym === 16) {
        if (index === 0) throw CORRUPT;
        len = lengths[index - 1];
        sym = 3 + this.bits(2);
      } else if (sym === 17) sym = 3 + this.bits(3);
      else sym = 11 + this.bits(7);
      if (index + sym > total) throw CORRUPT;
      lengths.fill(len, index, index + sym);
      index += sym;
    }
    if (lengths[256] === 0) throw CORRUPT; // no end-of-block code
    // An incomplete code is allowed only when it is a single code of one bit (zlib and puff agree).
    const lenLeft = dynLen.build(lengths, 0, nlen);
    if (lenLeft < 0 || (lenLeft > 0 && nlen !== dynLen.count[0] + dynLen.count[1])) throw CORRUPT;
    const distLeft = dynDist.build(lengths, nlen, ndist);
    if (distLeft < 0 || (distLeft > 0 && ndist !== dynDist.count[0] + dynDist.count[1]))
      throw CORRUPT;
    return this.codes(dynLen, dynDist);
  }

  private codes(lencode: Huffman, distcode: Huffman): boolean {
    const { out } = this;
    for (;;) {
      let sym = this.decode(lencode);
      if (sym < 256) {
        out[this.outLen++] = sym;
        if (this.outLen === out.length) return true;
      } else if (sym === 256) {
        return false;
      } else {
        sym -= 257;
        if (sym >= 29) throw CORRUPT;
        let len = LEN_BASE[sym] + this.bits(LEN_EXTRA[sym]);
        const dsym = this.decode(distcode);
        if (dsym >= 30) throw CORRUPT;
        const dist = DIST_BASE[dsym] + this.bits(DIST_EXTRA[dsym]);
        if (dist > this.outLen) throw CORRUPT; // before the start of the stream
        while (len-- > 0) {
          out[this.outLen] = out[this.outLen - dist];
          if (++this.outLen === out.length) return true;
        }
      }
    }
  }
}

export interface InflatedPrefix {
  /** The first `want` bytes, or fewer when the stream (or the input) ends first. */
  bytes: Buffer;
  /** The input ended before `want` bytes or the end of the stream: more input may give more. */
  truncated: boolean;
}

/**
 * Up to `want` bytes from the start of the raw DEFLATE stream `input` (which may be only the
 * stream's first bytes), or undefined when the stream is not valid DEFLATE.
 */
export function inflatePrefix(input: Uint8Array, want: number): InflatedPrefix | undefined {
  const d = new PrefixDecoder(input, want);
  let truncated = false;
  try {
    d.run();
  } catch (err) {
    if (err === CORRUPT) return undefined;
    if (err !== TRUNCATED) throw err;
    truncated = true;
  }
  const bytes = Buffer.from(d.out.buffer, d.out.byteOffset, d.outLen);
  return { bytes, truncated };
}
