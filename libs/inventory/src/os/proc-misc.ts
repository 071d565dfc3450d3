import type { Parsed } from '../types';

/** /proc/uptime: "seconds-up seconds-idle". */
export function parseUptime(text: string, file = '/proc/uptime'): Parsed<number | undefined> {
  const first = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(first) || first < 0) {
    return { value: undefined, warnings: [{ file, line: 1, message: 'no uptime in seconds' }] };
  }
  return { value: first, warnings: [] };
}

/** /etc/machine-id: 32 lowercase hex digits. */
export function parseMachineId(text: string, file = '/etc/machine-id'): Parsed<string | undefined> {
  const id = text.trim();
  if (!/^[0-9a-f]{32}$/.test(id)) {
    return { value: undefined, warnings: [{ file, line: 1, message: 'not 32 hex digits' }] };
  }
  return { value: id, warnings: [] };
}

/** Boot time (seconds since the epoch) from the `btime` line of /proc/stat. */
export function parseBootTime(text: string): number | undefined {
  const m = /^btime\s+(\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}
