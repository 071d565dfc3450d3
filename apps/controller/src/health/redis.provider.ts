import { loggerFor } from '../common/logger';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

const PING_TIMEOUT_MS = 1_000;
const ERROR_LOG_INTERVAL_MS = 30_000;

/** The controller's Redis connection, used here for the readiness check. */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  private readonly logger = loggerFor(RedisClient.name);
  private readonly redis: Redis;
  private lastErrorLog = 0;
  private closing = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.redis = new Redis(config.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      // Retry while running (Redis may come back); stop at shutdown so no timer keeps the process alive.
      retryStrategy: (attempt) => (this.closing ? null : Math.min(attempt * 200, 5_000)),
    });
    this.redis.on('error', (error: Error) => {
      const now = Date.now();
      if (now - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
      this.lastErrorLog = now;
      this.logger.warn({ err: error.message }, 'redis connection error');
    });
  }

  /** True when Redis answers PING within a second. */
  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    const attempt = (async () => {
      if (this.redis.status === 'wait') await this.redis.connect();
      return (await this.redis.ping()) === 'PONG';
    })().catch(() => false);
    try {
      return await Promise.race([attempt, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  onApplicationShutdown(): void {
    this.closing = true;
    this.redis.disconnect();
  }
}
