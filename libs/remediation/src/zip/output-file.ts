import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { RandomAccessSource } from '@log4fleet/scanner';

const BUFFER_BYTES = 1024 * 1024;
const COPY_CHUNK = 1024 * 1024;

/**
 * A file written front to back through a 1 MB buffer, counting its bytes (zip offsets are
 * positions in it) and, for a nested archive, its CRC-32 (its parent's headers need it).
 */
export class OutputFile {
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  /** Bytes written so far, buffered ones included. */
  pos = 0;
  crc = 0;

  private constructor(
    readonly fd: number,
    readonly path: string,
    private readonly withCrc: boolean,
  ) {}

  /** Creates `path` (it must not exist) with `mode`. */
  static create(path: string, mode: number, withCrc = false): OutputFile {
    return new OutputFile(openSync(path, 'wx', mode), path, withCrc);
  }

  write(data: Uint8Array): void {
    if (this.withCrc) this.crc = crc32(data, this.crc);
    this.pos += data.length;
    if (data.length >= BUFFER_BYTES) {
      this.flush();
      writeAll(this.fd, data);
      return;
    }
    if (this.used + data.length > BUFFER_BYTES) this.flush();
    this.buf.set(data, this.used);
    this.used += data.length;
  }

  /** Copies `length` bytes of `source` at `start`, 1 MB at a time. */
  copyFrom(source: RandomAccessSource, start: number, length: number): void {
    for (let done = 0; done < length;) {
      const chunk = source.read(start + done, Math.min(COPY_CHUNK, length - done));
      if (chunk.length === 0) throw new Error(`source ended ${length - done} bytes early`);
      this.write(chunk);
      done += chunk.length;
    }
  }

  flush(): void {
    if (this.used === 0) return;
    writeAll(this.fd, this.buf.subarray(0, this.used));
    this.used = 0;
  }

  /** Flushes, fsyncs (the bytes must be on disk before a rename publishes them) and closes. */
  finish(sync: boolean): void {
    this.flush();
    if (sync) fsyncSync(this.fd);
    closeSync(this.fd);
  }

  /** Closes without caring about errors (the file is being thrown away). */
  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length;) {
    done += writeSync(fd, data, done, data.length - done);
  }
}
