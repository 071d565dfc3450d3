import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';

/** Pieces every in-process test controller shares (core, campaigns and cluster harnesses). */

export function newAdminToken(): string {
  return `l4f_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('hex')}`;
}

/** The environment of a controller on ephemeral loopback ports, plaintext gRPC, silent logs. */
export function loopbackEnv(adminToken: string): Record<string, string> {
  return {
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    GRPC_INSECURE: '1',
    LOG_LEVEL: 'silent',
    LOG4FLEET_ADMIN_TOKEN: adminToken,
  };
}

/** Creates an API token of a role through the REST API and returns it. */
export async function createApiToken(
  http: () => ReturnType<typeof request>,
  adminToken: string,
  role: 'viewer' | 'operator' | 'admin',
): Promise<string> {
  const res = await http()
    .post('/api/v1/api-tokens')
    .set('Authorization', `Bearer ${adminToken}`)
    .send({ name: `test-${role}-${randomBytes(3).toString('hex')}`, role });
  if (res.status !== 201)
    throw new Error(`creating a ${role} token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { token: string }).token;
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
