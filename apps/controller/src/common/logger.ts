import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/** One structured (JSON) logger for the process; its level is set from the config at start. */
export const rootLogger: Logger = pino({ name: 'log4fleet-controller', level: 'info' });

/**
 * A pino child copies its parent's level when it is created and keeps it: loggers made at import
 * time would stay at "info" after setLogLevel. So children are kept (one per component) and
 * setLogLevel moves them all.
 */
const children = new Map<string, Logger>();

export function loggerFor(component: string): Logger {
  const existing = children.get(component);
  if (existing) return existing;
  const child = rootLogger.child({ component });
  children.set(component, child);
  return child;
}

export function setLogLevel(level: string): void {
  rootLogger.level = level;
  for (const child of children.values()) child.level = level;
}

/** Routes Nest's own messages into the same JSON log. */
export class PinoNestLogger implements LoggerService {
  log(message: unknown, context?: string): void {
    rootLogger.info({ component: context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    rootLogger.error({ component: context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    rootLogger.warn({ component: context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    rootLogger.debug({ component: context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    rootLogger.trace({ component: context }, String(message));
  }
}
