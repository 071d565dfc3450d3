/**
 * Clock ticks per second for /proc/PID/stat times. sysconf(_SC_CLK_TCK) is 100 on every Linux
 * architecture the kernel's USER_HZ is fixed for; Node has no sysconf to ask.
 */
export const CLOCK_TICKS = 100;

/** Start time of a process (ms since the epoch) from /proc/PID/stat field 22 and the boot time. */
export function processStartMs(statText: string, bootTimeSeconds: number): number | undefined {
  // comm (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const close = statText.lastIndexOf(')');
  if (close === -1) return undefined;
  const rest = statText.slice(close + 2).split(' ');
  // rest[0] is field 3 (state), so field 22 (starttime) is rest[19].
  const ticks = Number(rest[19]);
  if (!Number.isFinite(ticks) || ticks < 0) return undefined;
  return bootTimeSeconds * 1000 + (ticks * 1000) / CLOCK_TICKS;
}
