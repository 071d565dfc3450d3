import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON lines to stderr (journald picks them up under systemd) or to `logFile`. Synchronous
 * writes: the daemon exits right after SIGTERM and must not drop its last lines.
 */
export function createLogger(options: { level?: string; logFile?: string } = {}): Logger {
  const destination = pino.destination({ dest: options.logFile ?? 2, sync: true, mkdir: true });
  return pino(
    { level: options.level ?? 'info', base: { name: 'log4fleet-agent', pid: process.pid } },
    destination,
  );
}
