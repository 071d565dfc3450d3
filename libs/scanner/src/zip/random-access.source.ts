import { readSync } from 'node:fs';
import { ScanProblem } from '../errors';

/**
 * Random access to the bytes of one archive: a file descriptor, an in-memory buffer, or a
 * slice of another source (a stored entry read in place inside its parent).
 */
export interface RandomAccessSource {
  readonly size: number;
  /**
   * Up to `length` bytes at `position`; shorter only at the end of the source. With
   * `scratch` (at least `length` bytes) a source that must copy reads into it, so the result
   * is valid only until the scratch buffer is used again.
   */
  read(position: number, length: number, scratch?: Buffer): Buffer;
}

/** Reads a file by offset with pread: memory stays bounded whatever the file's size. */
export class FdSource implements RandomAccessSource {
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  read(position: number, length: number, scratch?: Buffer): Buffer {
    const want = Math.max(0, Math.min(length, this.size - position));
    const buf =
      scratch && scratch.length >= want ? scratch.subarray(0, want) : Buffer.allocUnsafe(want);
    let done = 0;
    while (done < want) {
      const n = readSync(this.fd, buf, done, want - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done === want ? buf : buf.subarray(0, done);
  }
}

export class BufferSource implements RandomAccessSource {
  readonly size: number;

  constructor(private readonly buf: Buffer) {
    this.size = buf.length;
  }

  read(position: number, length: number): Buffer {
    return this.buf.subarray(position, Math.min(this.buf.length, position + length));
  }
}

export class SliceSource implements RandomAccessSource {
  constructor(
    private readonly parent: RandomAccessSource,
    private readonly offset: number,
    readonly size: number,
  ) {
    if (offset + size > parent.size) {
      throw new ScanProblem(
        'corrupt-archive',
        `Entry data (${size} bytes at offset ${offset}) runs past the end of its archive.`,
      );
    }
  }

  read(position: number, length: number, scratch?: Buffer): Buffer {
    const want = Math.max(0, Math.min(length, this.size - position));
    return this.parent.read(this.offset + position, want, scratch);
  }
}
