import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { ChunkedDeflate } from './deflate-chunks';

const JAR = path.join(__dirname, '../../test/fixtures/log4j-core-2.14.1.jar');

function deflate(data: Buffer, chunk: number, level: number): Buffer {
  const out: Buffer[] = [];
  const d = new ChunkedDeflate((c) => out.push(c), level);
  if (data.length === 0) d.push(data, true);
  for (let pos = 0; pos < data.length; pos += chunk) {
    d.push(data.subarray(pos, pos + chunk), pos + chunk >= data.length);
  }
  return Buffer.concat(out);
}

describe('ChunkedDeflate', () => {
  const jar = readFileSync(JAR);
  // A jar, text and zeros: compressed and compressible input, split at odd places.
  const mixed = Buffer.concat([jar, Buffer.from('log4j '.repeat(200_000)), Buffer.alloc(700_000)]);

  it.each([
    [1, 1024 * 1024],
    [6, 1024 * 1024],
    [6, 65_537],
  ])('level %p, chunks of %p bytes: one stream zlib inflates back', (level, chunk) => {
    expect(inflateRawSync(deflate(mixed, chunk, level)).equals(mixed)).toBe(true);
  });

  it('an empty input is one final empty block', () => {
    expect(inflateRawSync(deflate(Buffer.alloc(0), 1024, 6)).length).toBe(0);
  });
});
