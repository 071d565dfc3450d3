import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startController } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/app-config';
import { QueuesService } from '../../src/queues/queues.service';
import { createApiToken, deletePrefix, loopbackEnv, newAdminToken } from './controller-fixtures';
import { createStorage, type TestDatabase } from './test-storage';

export type { TestDatabase } from './test-storage';

export interface TestController {
  app: INestApplication;
  database: TestDatabase;
  httpUrl: string;
  /** host:port of the gRPC server on loopback. */
  grpcAddress: string;
  adminToken: string;
  /** supertest bound to the running server. */
  http(): ReturnType<typeof request>;
  /** Creates an API token of a role through the REST API and returns it. */
  tokenFor(role: 'viewer' | 'operator' | 'admin'): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the whole controller in-process on ephemeral ports (HTTP and gRPC on 127.0.0.1),
 * on a temp SQLite file or a fresh PostgreSQL database that close() drops.
 */
export async function startTestController(
  options: { database?: TestDatabase; env?: Record<string, string> } = {},
): Promise<TestController> {
  const database = options.database ?? 'sqlite';
  const adminToken = newAdminToken();
  const storage = await createStorage(database, database === 'sqlite' ? 'controller' : 'test');
  const config = loadConfig({
    ...loopbackEnv(adminToken),
    ...storage.env,
    ...options.env,
  });
  let running;
  try {
    running = await startController(config);
  } catch (error) {
    await storage.dispose();
    throw error;
  }
  const { app, httpUrl, grpcPort } = running;
  const http = () => request(httpUrl);
  return {
    app,
    database,
    httpUrl,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    adminToken,
    http,
    tokenFor: (role) => createApiToken(http, adminToken, role),
    async close() {
      const { prefix, redisUrl } = app.get(QueuesService).settings;
      await app.close();
      await storage.dispose();
      // The prefix names this test's own database: nobody else uses these keys.
      await deletePrefix(redisUrl, prefix);
    },
  };
}
