import { loggerFor, rootLogger, setLogLevel } from './logger';

// Created at import time, before any setLogLevel, like the module-level loggers of the services.
const early = loggerFor('logger-spec-early');

describe('logger levels', () => {
  const initial = rootLogger.level;
  afterEach(() => setLogLevel(initial));

  it('applies setLogLevel to loggers created before it', () => {
    setLogLevel('warn');
    expect(early.isLevelEnabled('info')).toBe(false);
    expect(early.isLevelEnabled('warn')).toBe(true);
    setLogLevel('debug');
    expect(early.isLevelEnabled('debug')).toBe(true);
  });

  it('gives loggers created afterwards the current level', () => {
    setLogLevel('error');
    expect(loggerFor('logger-spec-late').isLevelEnabled('warn')).toBe(false);
    expect(loggerFor('logger-spec-early')).toBe(early);
  });
});
