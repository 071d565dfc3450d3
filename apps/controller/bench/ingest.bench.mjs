// Controller throughput on this machine: enrollments, stream admissions and result ingestion.
// Needs the built controller: `npx nx run controller:build` (or tsc -p apps/controller/tsconfig.app.json).
//   node apps/controller/bench/ingest.bench.mjs [sqlite|postgres] [agents=200] [chunksPerAgent=4]
// Prints numbers; asserts nothing.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('../../../', import.meta.url).pathname;
const { startController } = require(join(root, 'dist/apps/controller/bootstrap.js'));
const { loadConfig } = require(join(root, 'dist/apps/controller/config/app-config.js'));
const grpc = require('@grpc/grpc-js');
const { AgentServiceClient } = require('@log4fleet/contracts');
const { DataSource } = require('typeorm');

const [database = 'sqlite', agentsArg = '200', chunksArg = '4'] = process.argv.slice(2);
const AGENTS = Number(agentsArg);
const CHUNKS = Number(chunksArg);
const FINDINGS_PER_CHUNK = 500;
const CONCURRENCY = 8;

const admin = `l4f_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'l4f-bench-'));
const pgName = `l4f_bench_${randomBytes(4).toString('hex')}`;
const pgAdmin = 'postgres://postgres@127.0.0.1:5432/test';

async function pg(sql) {
  const ds = await new DataSource({ type: 'postgres', url: pgAdmin }).initialize();
  try {
    await ds.query(sql);
  } finally {
    await ds.destroy();
  }
}

if (database === 'postgres') await pg(`CREATE DATABASE ${pgName}`);
const config = loadConfig({
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
});
const running = await startController(config);
const api = async (method, path, body) => {
  const res = await fetch(`${running.httpUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const unary = (client, method, req, md) =>
  new Promise((resolve, reject) =>
    client[method](req, md ?? new grpc.Metadata(), (e, r) => (e ? reject(e) : resolve(r))),
  );
async function pool(items, worker) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await worker(items[next++]);
    }),
  );
}

const { token } = await api('POST', '/enrollment-tokens', { name: 'bench', maxUses: AGENTS });
const agents = Array.from({ length: AGENTS }, () => ({
  client: new AgentServiceClient(
    `127.0.0.1:${running.grpcPort}`,
    grpc.credentials.createInsecure(),
    { 'grpc.use_local_subchannel_pool': 1 },
  ),
}));

let t0 = process.hrtime.bigint();
await pool(agents, async (a) => {
  const id = randomUUID().replace(/-/g, '');
  const r = await unary(a.client, 'enroll', {
    token,
    agentVersion: 'bench',
    host: {
      hostname: `h-${id.slice(0, 8)}`,
      fqdn: '',
      machineId: id,
      osName: 'Linux',
      osVersion: '',
      kernel: '',
      arch: 'x86_64',
      addresses: [],
    },
  });
  a.md = new grpc.Metadata();
  a.md.set('authorization', `Bearer ${r.agentId}.${r.credential}`);
  a.hostId = r.hostId;
});
const enrollS = seconds(t0);

t0 = process.hrtime.bigint();
await Promise.all(
  agents.map(
    (a) =>
      new Promise((resolve, reject) => {
        a.stream = a.client.connect(a.md);
        a.stream.on('data', (m) => {
          if (m.kind?.$case === 'heartbeatAck') resolve();
          if (m.kind?.$case === 'command') a.command = m.kind.value.id;
        });
        a.stream.on('error', (e) => {
          if (e.code !== grpc.status.CANCELLED && e.code !== grpc.status.UNAVAILABLE) reject(e);
        });
        a.stream.write({
          kind: {
            $case: 'heartbeat',
            value: { sentAtMs: Date.now(), runningCommands: 0, outboxChunks: 0 },
          },
        });
      }),
  ),
);
const connectS = seconds(t0);

t0 = process.hrtime.bigint();
await pool(agents, async (a) => {
  a.commandId = (await api('POST', `/hosts/${a.hostId}/scans`, {})).id;
});
const scanS = seconds(t0);

const finding = (i) => ({
  chain: [
    Buffer.from(`/opt/app${i}/lib/app.war`),
    Buffer.from('WEB-INF/lib/log4j-core-2.14.1.jar'),
  ],
  product: 'log4j-core',
  version: '2.14.1',
  versionExact: true,
  status: i % 10 === 0 ? 'vulnerable' : 'safe',
  cves: ['CVE-2021-44228'],
  evidence: ['JndiLookup.class'],
  packageRoot: 'org/apache/logging/log4j/',
  sha256: 'a'.repeat(64),
});
const uploads = agents.flatMap((a) => Array.from({ length: CHUNKS }, (_, s) => ({ a, s })));
t0 = process.hrtime.bigint();
await pool(uploads, ({ a, s }) =>
  unary(
    a.client,
    'uploadResults',
    {
      commandId: a.commandId,
      sequence: s,
      totalChunks: CHUNKS,
      findings: Array.from({ length: FINDINGS_PER_CHUNK }, (_, i) => finding(i)),
      errors: [],
    },
    a.md,
  ),
);
const uploadS = seconds(t0);
// Uploads are acknowledged once stored raw; findings are written by the results.ingest jobs.
let vulnerable = await api('GET', '/hosts?status=vulnerable&pageSize=1');
while (vulnerable.total < AGENTS && seconds(t0) < 600) {
  await new Promise((r) => setTimeout(r, 100));
  vulnerable = await api('GET', '/hosts?status=vulnerable&pageSize=1');
}
const ingestS = seconds(t0);

const rssMb = Math.round(process.memoryUsage().rss / 1e6);
console.log(
  JSON.stringify({
    database,
    agents: AGENTS,
    enrollPerS: Math.round(AGENTS / enrollS),
    streamsAdmittedPerS: Math.round(AGENTS / connectS),
    scanCommandsPerS: Math.round(AGENTS / scanS),
    chunksAcceptedPerS: Math.round(uploads.length / uploadS),
    findingsIngestedPerS: Math.round((uploads.length * FINDINGS_PER_CHUNK) / ingestS),
    hostsVulnerable: vulnerable.total,
    processRssMb: rssMb,
    note: 'bench client and controller share one process and 2 cores',
  }),
);

agents.forEach((a) => {
  a.stream.cancel();
  a.client.close();
});
await running.app.close();
if (database === 'postgres') await pg(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
rmSync(dir, { recursive: true, force: true });
