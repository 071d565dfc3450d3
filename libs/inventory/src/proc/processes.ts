import { readdir } from 'node:fs/promises';
import type { RootFs } from '../util/root-fs';

// Bounds so a host with an absurd process or fd count cannot make the inventory run forever.
export const MAX_PIDS = 100_000;
export const MAX_FDS_PER_PROCESS = 65_536;

/** PIDs under <root>/proc, ascending. */
export async function listPids(fs: RootFs): Promise<number[]> {
  const entries = await fs.readdir('/proc');
  return entries
    .filter((e) => e.isDirectory() && /^\d+$/.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b)
    .slice(0, MAX_PIDS);
}

export interface ProcStatusIds {
  realUid: number;
  effectiveUid: number;
}

/** The Uid line of /proc/PID/status: real, effective, saved, filesystem. */
export function parseStatusUids(text: string): ProcStatusIds | undefined {
  const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(text);
  return m ? { realUid: Number(m[1]), effectiveUid: Number(m[2]) } : undefined;
}

/** /proc/PID/environ or /proc/PID/cmdline: NUL-separated strings. */
export function splitNul(text: string): string[] {
  const parts = text.split('\0');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** NAME=value pairs of /proc/PID/environ; the first occurrence of a name wins, as getenv does. */
export function parseEnviron(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of splitNul(text)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (!env.has(name)) env.set(name, entry.slice(eq + 1));
  }
  return env;
}

/** Link targets of /proc/PID/fd/*, keyed by fd number. Silent: processes vanish and deny access routinely. */
export async function readFdLinks(fs: RootFs, pid: number): Promise<Map<number, string>> {
  const links = new Map<number, string>();
  let entries;
  try {
    entries = await readdir(fs.resolve(`/proc/${pid}/fd`));
  } catch {
    return links;
  }
  for (const name of entries.slice(0, MAX_FDS_PER_PROCESS)) {
    if (!/^\d+$/.test(name)) continue;
    const target = await fs.readlinkQuiet(`/proc/${pid}/fd/${name}`);
    if (target !== undefined) links.set(Number(name), target);
  }
  return links;
}
