import { constants, deflateRawSync } from 'node:zlib';

/**
 * Raw deflate of a stream, synchronously and in bounded memory, with Node's zlib: each chunk
 * is compressed on its own and ends with a sync flush (a non-final block boundary), the last
 * with the final block, so the concatenation is one valid deflate stream (as pigz does).
 * Not fflate's streaming Deflate: measured here, it wrote streams zlib cannot inflate
 * ("invalid distance too far back") for some inputs.
 */
export class ChunkedDeflate {
  constructor(
    private readonly sink: (chunk: Buffer) => void,
    private readonly level: number,
  ) {}

  push(chunk: Uint8Array, final: boolean): void {
    this.sink(
      deflateRawSync(chunk, {
        level: this.level,
        finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      }),
    );
  }
}
