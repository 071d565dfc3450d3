import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zc, deflateRawSync, inflateRawSync } from 'node:zlib';
import { seededRandom } from '../../test/engine-support';
import { inflatePrefix } from './inflate-prefix';

function randomBytes(next: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
  return b;
}

const next = seededRandom(1765);
const INPUTS: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('P')],
  ['zip magic', Buffer.from('PK\x03\x04rest of a nested jar', 'latin1')],
  ['zeros', Buffer.alloc(70_000)],
  ['random', randomBytes(next, 40_000)],
  ['source text', readFileSync(join(__dirname, 'entry-data.reader.ts'))],
  ['repeats', Buffer.from('abcabcabcabd'.repeat(5000))],
  ['low alphabet', Buffer.from(Array.from({ length: 30_000 }, () => 65 + Math.floor(next() * 3)))],
];
const STRATEGIES: Array<[string, number]> = [
  ['default', zc.Z_DEFAULT_STRATEGY],
  ['fixed', zc.Z_FIXED],
  ['huffman only', zc.Z_HUFFMAN_ONLY],
  ['rle', zc.Z_RLE],
  ['filtered', zc.Z_FILTERED],
];
const WANTS = [1, 4, 300, 70_000];

describe('inflatePrefix (first bytes of a raw DEFLATE stream, without zlib)', () => {
  it('gives exactly what zlib inflates, for every input, level and strategy', () => {
    let cases = 0;
    for (const [name, data] of INPUTS) {
      for (const [sname, strategy] of STRATEGIES) {
        for (const level of [0, 1, 6, 9]) {
          const z = deflateRawSync(data, { level, strategy });
          for (const want of WANTS) {
            const got = inflatePrefix(z, want);
            const label = `${name}, ${sname}, level ${level}, want ${want}`;
            expect({ label, bytes: got?.bytes.toString('hex'), truncated: got?.truncated }).toEqual(
              {
                label,
                bytes: data.subarray(0, want).toString('hex'),
                truncated: false,
              },
            );
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(INPUTS.length * STRATEGIES.length * 4 * WANTS.length);
  });

  it('decodes a stream of several blocks of every type (pieces ended by full flushes)', () => {
    // A full flush ends the block on a byte boundary without BFINAL, so separately deflated
    // pieces joined make one stream: here "PK", then "\x03\x04", then 3000 sevens.
    const pieces = [Buffer.from('PK'), Buffer.from('\x03\x04', 'latin1'), Buffer.alloc(3000, 7)];
    for (const [level, strategy] of [
      [0, zc.Z_DEFAULT_STRATEGY],
      [9, zc.Z_FIXED],
      [9, zc.Z_DEFAULT_STRATEGY],
    ]) {
      const z = Buffer.concat(
        pieces.map((p, i) =>
          deflateRawSync(p, {
            level,
            strategy,
            finishFlush: i === pieces.length - 1 ? zc.Z_FINISH : zc.Z_FULL_FLUSH,
          }),
        ),
      );
      const full = inflateRawSync(z);
      expect(full).toEqual(Buffer.concat(pieces));
      expect(inflatePrefix(z, 4)?.bytes.toString('latin1')).toBe('PK\x03\x04');
      expect(inflatePrefix(z, full.length + 10)).toEqual({ bytes: full, truncated: false });
    }
  });

  it('returns what the cut input holds and says it was cut, like zlib with a sync flush', () => {
    const data = readFileSync(join(__dirname, 'entry-data.reader.ts'));
    for (const level of [0, 6]) {
      const z = deflateRawSync(data, { level });
      const cuts = [0, 1, 2, 5, 17, 60, 128, 400, z.length - 1];
      for (const cut of cuts) {
        const got = inflatePrefix(z.subarray(0, cut), 100_000);
        const zlibSays = inflateRawSync(z.subarray(0, cut), { finishFlush: zc.Z_SYNC_FLUSH });
        expect({ cut, level, truncated: got?.truncated }).toEqual({ cut, level, truncated: true });
        // Same bytes as zlib, except that zlib may hold back the last bytes of a stored block.
        expect(data.subarray(0, got?.bytes.length).equals(got?.bytes as Buffer)).toBe(true);
        expect(got?.bytes.length).toBeGreaterThanOrEqual(zlibSays.length);
      }
    }
  });

  it('refuses what zlib refuses: a bad block type, a stored length that does not match, a distance before the start', () => {
    expect(inflatePrefix(Buffer.from([0x07]), 4)).toBeUndefined(); // BFINAL=1, BTYPE=3
    // stored block, LEN=5, NLEN not its complement
    expect(
      inflatePrefix(Buffer.from([0x01, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5]), 4),
    ).toBeUndefined();
    // fixed block whose first symbol is a match (length 3, distance 1) with no output before it
    const tooFarBack = Buffer.from([0x03, 0x02, 0x00]); // BFINAL, fixed, code 257, dist code 0
    expect(() => inflateRawSync(tooFarBack)).toThrow(/distance too far back/);
    expect(inflatePrefix(tooFarBack, 4)).toBeUndefined();
  });

  it('agrees with zlib on garbage and on damaged streams: where zlib inflates, the same bytes; never a throw', () => {
    const garbage = seededRandom(42);
    const valid = deflateRawSync(readFileSync(join(__dirname, 'entry-data.reader.ts')));
    let agreed = 0;
    let decoded = 0;
    for (let i = 0; i < 6000; i++) {
      let input: Buffer;
      if (i % 2 === 0) {
        input = randomBytes(garbage, 1 + Math.floor(garbage() * 200));
      } else {
        // a real stream's first 200 bytes with one to three bits flipped
        input = Buffer.from(valid.subarray(0, 200));
        for (let f = 0; f <= Math.floor(garbage() * 3); f++)
          input[Math.floor(garbage() * input.length)] ^= 1 << Math.floor(garbage() * 8);
      }
      let zlibOut: Buffer | undefined;
      try {
        zlibOut = inflateRawSync(input, { finishFlush: zc.Z_SYNC_FLUSH });
      } catch {
        zlibOut = undefined;
      }
      const got = inflatePrefix(input, 4);
      if (zlibOut && zlibOut.length >= 4) {
        expect({ i, bytes: got?.bytes }).toEqual({ i, bytes: zlibOut.subarray(0, 4) });
        agreed++;
      }
      // What this decoder calls corrupt, it met before its 4 bytes: zlib meets it too.
      if (got === undefined)
        expect({ i, zlibFailed: zlibOut === undefined }).toEqual({ i, zlibFailed: true });
      else decoded++;
    }
    expect(agreed).toBeGreaterThan(500);
    expect(decoded).toBeGreaterThan(500);
  });
});
