/**
 * Processes that still hold a file: an open descriptor (/proc/PID/fd) or a mapping
 * (/proc/PID/maps) of its inode. A JVM keeps its class-path jars open, so after the jar is
 * replaced on disk it still runs the old classes until it restarts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Holder } from './types';

/** Linux dev_t as glibc's makedev encodes it, from /proc/PID/maps' "major:minor" (hex). */
function devOf(field: string): number | undefined {
  const m = /^([0-9a-f]+):([0-9a-f]+)$/i.exec(field);
  if (!m) return undefined;
  const major = parseInt(m[1], 16);
  const minor = parseInt(m[2], 16);
  return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12);
}

function readQuiet(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function holdsByFd(procRoot: string, pid: string, dev: number, ino: number): boolean {
  let fds: string[];
  try {
    fds = readdirSync(path.join(procRoot, pid, 'fd'));
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const st = statSync(path.join(procRoot, pid, 'fd', fd));
      if (st.ino === ino && st.dev === dev) return true;
    } catch {
      // closed meanwhile, or not ours to look at
    }
  }
  return false;
}

function holdsByMap(procRoot: string, pid: string, dev: number, ino: number): boolean {
  const maps = readQuiet(path.join(procRoot, pid, 'maps'));
  if (!maps) return false;
  for (const line of maps.split('\n')) {
    const parts = line.split(/\s+/);
    if (parts.length < 6 || Number(parts[4]) !== ino) continue;
    if (devOf(parts[3]) === dev) return true;
  }
  return false;
}

/** Every process (but this one) holding inode `ino` of device `dev`. */
export function findHolders(dev: number, ino: number, procRoot = '/proc'): Holder[] {
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const holders: Holder[] = [];
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    const via = holdsByFd(procRoot, pid, dev, ino)
      ? 'fd'
      : holdsByMap(procRoot, pid, dev, ino)
        ? 'mapped'
        : undefined;
    if (!via) continue;
    const cmdline = readQuiet(path.join(procRoot, pid, 'cmdline'));
    const command = cmdline?.split('\0').filter(Boolean).join(' ').slice(0, 200);
    holders.push({ pid: Number(pid), via, ...(command ? { command } : {}) });
  }
  return holders;
}
