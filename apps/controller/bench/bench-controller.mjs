// What the controller benchmarks share: the built controller started in this process on loopback
// (SQLite in a temporary directory, or a PostgreSQL database of its own, dropped at the end), an
// admin REST client, a unary gRPC call, a bounded-concurrency loop and a timer.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('../../../', import.meta.url).pathname;
const { startController } = require(join(root, 'dist/apps/controller/bootstrap.js'));
const { loadConfig } = require(join(root, 'dist/apps/controller/config/app-config.js'));
const grpc = require('@grpc/grpc-js');
const { DataSource } = require('typeorm');

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/test';

async function pg(sql) {
  const ds = await new DataSource({ type: 'postgres', url: PG_ADMIN }).initialize();
  try {
    await ds.query(sql);
  } finally {
    await ds.destroy();
  }
}

/**
 * Starts the built controller on `database` ('sqlite' or 'postgres'). Returns the running
 * controller, its admin token, `api(method, path, body)` (JSON, throws on a non-2xx answer) and
 * `stop()`, which closes it and removes its database.
 */
export async function startBenchController(database) {
  const admin = `l4f_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'l4f-bench-'));
  const pgName = `l4f_bench_${randomBytes(4).toString('hex')}`;
  if (database === 'postgres') await pg(`CREATE DATABASE ${pgName}`);
  const running = await startController(
    loadConfig({
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      GRPC_INSECURE: '1',
      LOG_LEVEL: 'warn',
      LOG4FLEET_ADMIN_TOKEN: admin,
      ...(database === 'postgres'
        ? { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${pgName}` }
        : { SQLITE_PATH: join(dir, 'c.sqlite') }),
    }),
  );
  const api = async (method, path, body) => {
    const res = await fetch(`${running.httpUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const stop = async () => {
    await running.app.close();
    if (database === 'postgres') await pg(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  };
  return { running, admin, api, stop };
}

export const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

export const unary = (client, method, req, md) =>
  new Promise((resolve, reject) =>
    client[method](req, md ?? new grpc.Metadata(), (e, r) => (e ? reject(e) : resolve(r))),
  );

/** Runs `worker(item, index)` over the items, `concurrency` at a time. */
export async function pool(items, concurrency, worker) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await worker(items[i], i);
      }
    }),
  );
}
