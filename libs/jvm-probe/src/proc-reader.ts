import type { Stats } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ProbeError, ProbeErrorCode } from './types';

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

export function classify(err: unknown): ProbeErrorCode {
  const code = errnoCode(err);
  if (code === 'ENOENT' || code === 'ESRCH') return 'vanished';
  if (code === 'EACCES' || code === 'EPERM') return 'permission-denied';
  return 'io-error';
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads /proc on behalf of the probe. Methods never throw: `quiet` reads return undefined on
 * failure; the others also append an error record naming the pid and file.
 */
export class ProcReader {
  readonly errors: ProbeError[] = [];

  constructor(readonly procRoot: string) {}

  path(pid: number, ...rel: string[]): string {
    return path.join(this.procRoot, String(pid), ...rel);
  }

  /** A path as process `pid` sees it (its mount namespace, e.g. inside a container). */
  inRoot(pid: number, p: string): string {
    return path.join(this.procRoot, String(pid), 'root', p);
  }

  record(pid: number | undefined, file: string, err: unknown, what: string): void {
    this.errors.push({
      pid,
      path: file,
      code: classify(err),
      message: `cannot ${what} ${file}: ${describe(err)}`,
    });
  }

  async text(
    pid: number,
    rel: string,
    opts: { quiet?: boolean } = {},
  ): Promise<string | undefined> {
    const file = this.path(pid, rel);
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      if (!opts.quiet) this.record(pid, file, err, 'read');
      return undefined;
    }
  }

  async globalText(rel: string): Promise<string | undefined> {
    try {
      return await readFile(path.join(this.procRoot, rel), 'utf8');
    } catch {
      return undefined;
    }
  }

  async link(
    pid: number,
    rel: string,
    opts: { quiet?: boolean } = {},
  ): Promise<string | undefined> {
    const file = this.path(pid, rel);
    try {
      return await readlink(file);
    } catch (err) {
      if (!opts.quiet) this.record(pid, file, err, 'read link');
      return undefined;
    }
  }

  async list(pid: number, rel: string): Promise<string[]> {
    const dir = this.path(pid, rel);
    try {
      return await readdir(dir);
    } catch (err) {
      this.record(pid, dir, err, 'list');
      return [];
    }
  }

  /** stat() following links; quiet because a missing file is an answer here, not an error. */
  async statQuiet(file: string): Promise<Stats | undefined> {
    try {
      return await stat(file);
    } catch {
      return undefined;
    }
  }

  async pids(): Promise<number[]> {
    try {
      const names = await readdir(this.procRoot);
      return names
        .filter((n) => /^\d+$/.test(n))
        .map(Number)
        .sort((a, b) => a - b);
    } catch (err) {
      this.record(undefined, this.procRoot, err, 'list');
      return [];
    }
  }
}
