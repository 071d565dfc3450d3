import Redis, { RedisOptions } from 'ioredis';
import { loggerFor } from '../common/logger';

/**
 * What a connection is for. BullMQ's production guide: workers (blocking commands) need
 * maxRetriesPerRequest null so a Redis restart never throws inside the worker loop;
 * producers called from HTTP fail fast instead of hanging a request.
 */
export type RedisPurpose = 'worker' | 'producer' | 'subscriber' | 'directory';

const ERROR_LOG_INTERVAL_MS = 30_000;

export function redisOptionsFor(purpose: RedisPurpose): RedisOptions {
  const common: RedisOptions = {
    connectTimeout: 5_000,
    // Reconnect forever with a capped backoff: Redis restarts are expected, not fatal.
    retryStrategy: (times) => Math.min(200 * times, 5_000),
  };
  switch (purpose) {
    case 'worker':
    case 'subscriber':
      return { ...common, maxRetriesPerRequest: null, enableReadyCheck: true };
    case 'producer':
      return { ...common, maxRetriesPerRequest: 3, enableOfflineQueue: true };
    case 'directory':
      return { ...common, maxRetriesPerRequest: 2 };
  }
}

/** The one place the controller opens Redis connections for queues and the cluster. */
export function createRedisConnection(url: string, purpose: RedisPurpose, name: string): Redis {
  const logger = loggerFor(`redis:${name}`);
  const redis = new Redis(url, {
    ...redisOptionsFor(purpose),
    connectionName: `log4fleet:${name}`,
  });
  let lastLog = 0;
  redis.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastLog < ERROR_LOG_INTERVAL_MS) return;
    lastLog = now;
    logger.warn({ err: error.message }, 'redis connection error (retrying)');
  });
  return redis;
}
