import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startController } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { QueueConfigExtension } from '../../src/queues/queue-config';
import {
  createApiToken,
  deletePrefix,
  loopbackEnv,
  newAdminToken,
} from '../support/controller-fixtures';
import {
  createStorage as createTestStorage,
  type Storage,
  type TestDatabase,
} from '../support/test-storage';

export type { Storage, TestDatabase } from '../support/test-storage';
export { deletePrefix, newAdminToken } from '../support/controller-fixtures';

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
      ...loopbackEnv(adminToken),
      REDIS_URL: options.redisUrl ?? 'redis://127.0.0.1:6379',
      ...storage.env,
      ...options.env,
    }),
    queues: { prefix, monitorEveryMs: 200, clusterHeartbeatMs: 500, reconcileEveryMs: 200 },
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
    tokenFor: (role) => createApiToken(http, adminToken, role),
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
