// Controller throughput on this machine: enrollments, stream admissions and result ingestion.
// Needs the built controller: `npx nx run controller:build` (or tsc -p apps/controller/tsconfig.app.json).
//   node apps/controller/bench/ingest.bench.mjs [sqlite|postgres] [agents=200] [chunksPerAgent=4]
// Prints numbers; asserts nothing.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pool, seconds, startBenchController, unary } from './bench-controller.mjs';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const { AgentServiceClient } = require('@log4fleet/contracts');

const [database = 'sqlite', agentsArg = '200', chunksArg = '4'] = process.argv.slice(2);
const AGENTS = Number(agentsArg);
const CHUNKS = Number(chunksArg);
const FINDINGS_PER_CHUNK = 500;
const CONCURRENCY = 8;

const { running, api, stop } = await startBenchController(database);

const { token } = await api('POST', '/enrollment-tokens', { name: 'bench', maxUses: AGENTS });
const agents = Array.from({ length: AGENTS }, () => ({
  client: new AgentServiceClient(
    `127.0.0.1:${running.grpcPort}`,
    grpc.credentials.createInsecure(),
    { 'grpc.use_local_subchannel_pool': 1 },
  ),
}));

let t0 = process.hrtime.bigint();
await pool(agents, CONCURRENCY, async (a) => {
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
await pool(agents, CONCURRENCY, async (a) => {
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
await pool(uploads, CONCURRENCY, ({ a, s }) =>
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
await stop();
