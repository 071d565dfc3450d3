import { promises as fsp } from 'node:fs';
import path from 'node:path';

const LOCK_FILE = 'run.pid';

/**
 * One daemon per state directory: two would run each command twice and race on the
 * outbox. A lock left by a killed process (its pid no longer alive) is taken over.
 */
export async function acquirePidLock(stateDir: string): Promise<() => Promise<void>> {
  const file = path.join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await fsp.writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => fsp.rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number((await fsp.readFile(file, 'utf8').catch(() => '')).trim());
    if (holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new Error(`another agent (pid ${holder}) is running with state directory ${stateDir}`);
    }
    await fsp.rm(file, { force: true });
  }
  throw new Error(`cannot take the lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
