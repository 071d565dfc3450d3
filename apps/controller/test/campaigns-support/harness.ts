import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { startController } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { QueueConfigExtension } from '../../src/queues/queue-config';
import {
  createStorage as createTestStorage,
  type Storage,
  type TestDatabase,
} from '../support/test-storage';

export type { Storage, TestDatabase } from '../support/test-storage';

export interface CampaignTestController {
  app: INestApplication;
  httpUrl: string;
  grpcAddress: string;
  adminToken: string;
  prefix: string;
  http(): ReturnType<typeof request>;
  tokenFor(role: 'viewer' | 'operator' | 'admin'): Promise<string>;
  /** Stops the controller; the database stays (for a restart) until dispose(). */
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

export function newPrefix(suite: string): string {
  return `l4f-test-${suite}-${randomBytes(4).toString('hex')}`;
}

export function newAdminToken(): string {
  return `l4f_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('hex')}`;
}

/**
 * The whole controller in-process (HTTP and gRPC on ephemeral loopback ports) with a BullMQ
 * prefix of its own on the shared Redis, on a temp SQLite file or a fresh PostgreSQL database.
 */
export async function startCampaignController(
  options: {
    database?: TestDatabase;
    prefix?: string;
    redisUrl?: string;
    storage?: Storage;
    adminToken?: string;
    env?: Record<string, string>;
  } = {},
): Promise<CampaignTestController> {
  const storage = options.storage ?? (await createStorage(options.database ?? 'sqlite'));
  const adminToken = options.adminToken ?? newAdminToken();
  const prefix = options.prefix ?? newPrefix('c');
  const config: AppConfig & QueueConfigExtension = {
    ...loadConfig({
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      GRPC_INSECURE: '1',
      LOG_LEVEL: 'silent',
      LOG4FLEET_ADMIN_TOKEN: adminToken,
      REDIS_URL: options.redisUrl ?? 'redis://127.0.0.1:6379',
      ...storage.env,
      ...options.env,
    }),
    queues: { prefix, monitorEveryMs: 200, clusterHeartbeatMs: 500 },
  };
  let running;
  try {
    running = await startController(config);
  } catch (error) {
    if (!options.storage) await storage.dispose();
    throw error;
  }
  const { app, httpUrl, grpcPort } = running;
  const http = () => request(httpUrl);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    app,
    httpUrl,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    adminToken,
    prefix,
    http,
    async tokenFor(role) {
      const res = await http()
        .post('/api/v1/api-tokens')
        .set('Authorization', `Bearer ${adminToken}`)
        .send({ name: `test-${role}-${randomBytes(3).toString('hex')}`, role });
      if (res.status !== 201)
        throw new Error(
          `creating a ${role} token failed: ${res.status} ${JSON.stringify(res.body)}`,
        );
      return (res.body as { token: string }).token;
    },
    stop,
    async dispose() {
      await stop();
      await deletePrefix(options.redisUrl ?? 'redis://127.0.0.1:6379', prefix);
      await storage.dispose();
    },
  };
}

export async function createStorage(database: TestDatabase): Promise<Storage> {
  return createTestStorage(database, 'campaigns');
}

/** Removes this suite's keys only (the Redis is shared: never FLUSHALL). */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    for (let i = 0; i < 10_000; i++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } catch {
    // best effort
  } finally {
    redis.disconnect();
  }
}

/** Polls (bounded) until probe returns a value. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  attempts = 300,
  everyMs = 100,
): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** Polls (bounded) until a synchronous condition holds. */
export function waitUntil(condition: () => boolean, what: string, attempts = 300): Promise<true> {
  return waitFor(() => Promise.resolve(condition() ? true : undefined), what, attempts);
}
