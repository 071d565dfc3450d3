import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/** One structured (JSON) logger for the process; its level is set from the config at start. */
export const rootLogger: Logger = pino({ name: 'log4fleet-controller', level: 'info' });

export function loggerFor(component: string): Logger {
  return rootLogger.child({ component });
}

export function setLogLevel(level: string): void {
  rootLogger.level = level;
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
