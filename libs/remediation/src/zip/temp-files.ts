import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Scratch files of one fix (rewritten nested archives, inflated big inner jars), in one
 * private directory that is removed whatever happens. Never beside the application's files.
 */
export class TempFiles {
  private dir: string | undefined;
  private seq = 0;

  constructor(private readonly parent: string = tmpdir()) {}

  next(suffix: string): string {
    this.dir ??= mkdtempSync(path.join(this.parent, 'log4fleet-fix-'));
    return path.join(this.dir, `${++this.seq}${suffix}`);
  }

  remove(file: string): void {
    rmSync(file, { force: true });
  }

  cleanup(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
