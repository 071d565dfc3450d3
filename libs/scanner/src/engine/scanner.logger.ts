import pino from 'pino';

/** The scanner's own logger: stderr, so a CLI's stdout (tables, JSON lines) stays clean. */
export const log = pino(
  { name: 'log4fleet-scanner', level: 'warn' },
  pino.destination({ dest: 2, sync: true }),
);
