import type { Dirent, Stats } from 'node:fs';
import { open, readFile, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { ParseWarning } from '../types';

const gunzipAsync = promisify(gunzip);

// Inventory files are small; a larger one is not what we think it is. Keeps memory bounded.
const MAX_TEXT_BYTES = 32 * 1024 * 1024;
const MAX_GUNZIPPED_BYTES = 64 * 1024 * 1024;

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const QUIET_CODES = new Set(['ENOENT', 'ENOTDIR', 'ESRCH']);

/**
 * Every file read of the inventory goes through here, so tests can point `root` at a fixture
 * tree. Nothing throws: a missing file is `undefined`; any other failure is also `undefined`
 * plus a warning naming the file.
 */
export class RootFs {
  readonly warnings: ParseWarning[] = [];

  constructor(readonly root: string = '/') {}

  resolve(p: string): string {
    return this.root === '/' ? p : path.join(this.root, p);
  }

  warn(file: string, message: string, line?: number): void {
    this.warnings.push(line === undefined ? { file, message } : { file, line, message });
  }

  private fail(file: string, err: unknown): undefined {
    if (!QUIET_CODES.has(errnoCode(err) ?? '')) this.warn(file, `cannot read: ${describe(err)}`);
    return undefined;
  }

  async readBuffer(p: string, opts: { quiet?: boolean } = {}): Promise<Buffer | undefined> {
    try {
      const st = await stat(this.resolve(p));
      // A FIFO or device at an expected path would block or never end: not ours to read.
      if (!st.isFile()) {
        this.warn(p, 'skipped: not a regular file');
        return undefined;
      }
      if (st.size > MAX_TEXT_BYTES) {
        this.warn(p, `skipped: ${st.size} bytes is over the ${MAX_TEXT_BYTES} byte limit`);
        return undefined;
      }
      return await readFile(this.resolve(p));
    } catch (err) {
      return opts.quiet ? undefined : this.fail(p, err);
    }
  }

  /** The last `maxBytes` of a file, starting at a multiple of `align` (fixed-size record files). */
  async readTail(p: string, maxBytes: number, align: number): Promise<Buffer | undefined> {
    let handle;
    try {
      handle = await open(this.resolve(p), 'r');
    } catch (err) {
      return this.fail(p, err);
    }
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, Math.ceil((size - maxBytes) / align) * align);
      const buf = Buffer.alloc(size - start);
      const { bytesRead } = await handle.read(buf, 0, buf.length, start);
      return buf.subarray(0, bytesRead);
    } catch (err) {
      return this.fail(p, err);
    } finally {
      await handle.close();
    }
  }

  async readText(p: string, opts: { quiet?: boolean } = {}): Promise<string | undefined> {
    const buf = await this.readBuffer(p, opts);
    return buf?.toString('utf8');
  }

  /** Reads a file, gunzipping it when its name ends in .gz. */
  async readMaybeGzText(p: string): Promise<string | undefined> {
    const buf = await this.readBuffer(p);
    if (buf === undefined || !p.endsWith('.gz')) return buf?.toString('utf8');
    try {
      const out = await gunzipAsync(buf, { maxOutputLength: MAX_GUNZIPPED_BYTES });
      return out.toString('utf8');
    } catch (err) {
      this.warn(p, `cannot gunzip: ${describe(err)}`);
      return undefined;
    }
  }

  async readdir(p: string): Promise<Dirent[]> {
    try {
      return await readdir(this.resolve(p), { withFileTypes: true });
    } catch (err) {
      this.fail(p, err);
      return [];
    }
  }

  async readlink(p: string): Promise<string | undefined> {
    try {
      return await readlink(this.resolve(p));
    } catch (err) {
      return this.fail(p, err);
    }
  }

  /** readlink that stays silent: for /proc/PID/fd/N scans where races and EACCES are routine. */
  async readlinkQuiet(p: string): Promise<string | undefined> {
    try {
      return await readlink(this.resolve(p));
    } catch {
      return undefined;
    }
  }

  async stat(p: string): Promise<Stats | undefined> {
    try {
      return await stat(this.resolve(p));
    } catch (err) {
      return this.fail(p, err);
    }
  }

  async exists(p: string): Promise<boolean> {
    try {
      await stat(this.resolve(p));
      return true;
    } catch {
      return false;
    }
  }
}
