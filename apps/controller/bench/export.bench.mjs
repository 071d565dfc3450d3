// Findings export time: N findings seeded straight into the database, then
// GET /findings/export as CSV and JSON, timed until the last byte.
// Needs the built controller: `npx nx run controller:build`.
//   node apps/controller/bench/export.bench.mjs [postgres|sqlite] [findings=60000] [hosts=200]
// Prints numbers; asserts nothing.
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { seconds, startBenchController } from './bench-controller.mjs';

const require = createRequire(import.meta.url);
const { DataSource } = require('typeorm');

const [database = 'postgres', findingsArg = '60000', hostsArg = '200'] = process.argv.slice(2);
const FINDINGS = Number(findingsArg);
const HOSTS = Number(hostsArg);
const BATCH = 500;

const { running, admin, stop } = await startBenchController(database);
const ds = running.app.get(DataSource);

async function insert(entity, rows) {
  for (let i = 0; i < rows.length; i += BATCH)
    await ds.getRepository(entity).insert(rows.slice(i, i + BATCH));
}

let t0 = process.hrtime.bigint();
const now = new Date();
const hosts = Array.from({ length: HOSTS }, (_, i) => ({
  id: randomUUID(),
  scanRunId: randomUUID(),
  commandId: randomUUID(),
  agentId: randomUUID(),
  hostname: `host-${String(i).padStart(5, '0')}`,
}));
await insert(
  'HostEntity',
  hosts.map((h) => ({
    id: h.id,
    hostname: h.hostname,
    fqdn: `${h.hostname}.example.test`,
    machineId: randomBytes(16).toString('hex'),
    osName: 'Linux',
    osVersion: '12',
    kernel: '6.1',
    arch: 'x86_64',
    addresses: '[]',
    tags: '[]',
    status: 'vulnerable',
    flagged: false,
    flagReason: null,
    lastSeenAt: now,
    statusChangedAt: now,
    lastScanRunId: h.scanRunId,
    lastScanAt: now,
    createdAt: now,
  })),
);
await insert(
  'AgentEntity',
  hosts.map((h) => ({
    id: h.agentId,
    hostId: h.id,
    credentialHash: 'a'.repeat(64),
    version: 'bench',
    lastSeenAt: now,
    revoked: false,
    revokedAt: null,
    createdAt: now,
  })),
);
await insert(
  'CommandEntity',
  hosts.map((h) => ({
    id: h.commandId,
    hostId: h.id,
    agentId: h.agentId,
    kind: 'scan',
    payload: '{}',
    state: 'succeeded',
    message: null,
    totalChunks: 1,
    createdBy: 'bench',
    createdAt: now,
    expiresAt: now,
    succeededAt: now,
  })),
);
await insert(
  'ScanRunEntity',
  hosts.map((h) => ({
    id: h.scanRunId,
    hostId: h.id,
    commandId: h.commandId,
    startedAt: now,
    finishedAt: now,
    files: 1,
    directories: 1,
    archives: 1,
    bytesRead: 1,
    findingsCount: Math.ceil(FINDINGS / HOSTS),
    errorsCount: 0,
    vulnerable: 0,
    mitigated: 0,
    safe: 0,
    unknown: 0,
    durationMs: 1,
    createdAt: now,
    completeness: 'complete',
  })),
);
const findings = Array.from({ length: FINDINGS }, (_, i) => {
  const h = hosts[i % HOSTS];
  const path = `/opt/app${i}/lib/log4j-core-2.14.1.jar`;
  return {
    id: randomUUID(),
    hostId: h.id,
    scanRunId: h.scanRunId,
    commandId: h.commandId,
    chain: JSON.stringify([Buffer.from(path).toString('base64')]),
    path,
    product: 'log4j-core',
    version: '2.14.1',
    versionExact: true,
    status: 'vulnerable',
    cves: '["CVE-2021-44228"]',
    evidence: '["JndiLookup.class present"]',
    packageRoot: 'org/apache/logging/log4j/',
    sha256: 'a'.repeat(64),
    createdAt: now,
    source: 'path',
    current: true,
  };
});
await insert('FindingEntity', findings);
if (database === 'postgres') await ds.query('ANALYZE');
const seedS = seconds(t0);

async function timedExport(format) {
  const start = process.hrtime.bigint();
  const res = await fetch(`${running.httpUrl}/api/v1/findings/export?format=${format}`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`export ${format}: ${res.status} ${text.slice(0, 200)}`);
  return { seconds: Number(seconds(start).toFixed(2)), bytes: text.length };
}

const csv = await timedExport('csv');
const json = await timedExport('json');
console.log(
  JSON.stringify({
    database,
    findings: FINDINGS,
    hosts: HOSTS,
    seedS: Number(seedS.toFixed(1)),
    csvExportS: csv.seconds,
    csvBytes: csv.bytes,
    jsonExportS: json.seconds,
    jsonBytes: json.bytes,
    note: 'bench client and controller share one process',
  }),
);

await stop();
