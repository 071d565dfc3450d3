import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errorMessage, QuarantineError, QuarantineErrorCode } from './errors';
import type { NormalizedSpec, QuarantineEvidence, RulesetPlan } from './types';

export const STATE_FILE = 'quarantine.json';

/** What must be true on the host: re-applied at start, compared at every heartbeat. */
export interface DesiredState {
  version: 1;
  spec: NormalizedSpec;
  plan: RulesetPlan;
  /** Canonical hash of the table as verified. */
  rulesetHash: string;
  /** The kernel boot the table was applied in: a missing table after a reboot is no tampering. */
  bootId: string;
  evidence: QuarantineEvidence;
}

/** The desired state in `<stateDir>/quarantine.json`, written atomically (temp, fsync, rename). */
export class StateStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, STATE_FILE);
  }

  async load(): Promise<DesiredState | null> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError(`read ${this.file}`, err);
    }
    try {
      const state = JSON.parse(text) as DesiredState;
      if (state.version !== 1 || !state.plan || typeof state.rulesetHash !== 'string') {
        throw new Error('not a version 1 quarantine state');
      }
      return state;
    } catch (err) {
      throw ioError(
        `read ${this.file} (it is damaged; the quarantine it held cannot be re-applied)`,
        err,
      );
    }
  }

  async save(state: DesiredState): Promise<void> {
    const tmp = path.join(this.dir, `.tmp-${STATE_FILE}-${randomBytes(6).toString('hex')}`);
    try {
      await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const handle = await fsp.open(tmp, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(state, null, 2));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(tmp, this.file);
      const dir = await fsp.open(this.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw ioError(`write ${this.file}`, err);
    }
  }

  async clear(): Promise<void> {
    try {
      await fsp.rm(this.file, { force: true });
    } catch (err) {
      throw ioError(`remove ${this.file}`, err);
    }
  }
}

function ioError(what: string, err: unknown): QuarantineError {
  return new QuarantineError(QuarantineErrorCode.StateIo, `cannot ${what}: ${errorMessage(err)}`, {
    cause: err,
  });
}
