// Advisories and the network map on a seeded fleet: each host reports this machine's real dpkg
// packages, a Java listener and connections to two other hosts; then times the fleet-wide reads.
// Needs the built controller and libs: `npx nx run controller:build`.
//   node apps/controller/bench/fleet-map.bench.mjs [sqlite|postgres] [hosts=300]
// Prints numbers; asserts nothing.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pool, seconds, startBenchController, unary } from './bench-controller.mjs';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const { AgentServiceClient, InventorySnapshot } = require('@log4fleet/contracts');
const { parseDpkgStatus } = require('@log4fleet/inventory');

const [database = 'sqlite', hostsArg = '300'] = process.argv.slice(2);
const HOSTS = Number(hostsArg);
const CONCURRENCY = 8;

const { running, api, stop } = await startBenchController(database);

const packages = parseDpkgStatus(readFileSync('/var/lib/dpkg/status', 'utf8')).value.map((p) => ({
  manager: p.manager,
  name: p.name,
  version: p.version,
  arch: p.arch,
  sourcePackage: p.sourcePackage ?? '',
}));
const address = (i) => `10.2.${Math.floor(i / 250)}.${(i % 250) + 1}`;

const { token } = await api('POST', '/enrollment-tokens', { name: 'bench', maxUses: HOSTS });
const client = new AgentServiceClient(
  `127.0.0.1:${running.grpcPort}`,
  grpc.credentials.createInsecure(),
);
const hosts = Array.from({ length: HOSTS }, (_, i) => ({ i }));
let t0 = process.hrtime.bigint();
await pool(hosts, CONCURRENCY, async (h, i) => {
  const id = randomUUID().replace(/-/g, '');
  const r = await unary(client, 'enroll', {
    token,
    agentVersion: 'bench',
    host: {
      hostname: `h${i}`,
      fqdn: '',
      machineId: id,
      osName: 'Linux',
      osVersion: '',
      kernel: '',
      arch: 'x86_64',
      addresses: [address(i)],
    },
  });
  h.md = new grpc.Metadata();
  h.md.set('authorization', `Bearer ${r.agentId}.${r.credential}`);
  h.hostId = r.hostId;
});
const enrollS = seconds(t0);

t0 = process.hrtime.bigint();
await pool(hosts, CONCURRENCY, async (h, i) => {
  const peers = [(i + 1) % HOSTS, (i + 7) % HOSTS];
  const snapshot = InventorySnapshot.fromPartial({
    os: { hostname: `h${i}`, name: 'Debian GNU/Linux', version: '12' },
    network: {
      interfaces: [
        { name: 'eth0', addresses: [{ address: address(i), family: 'IPv4', internal: false }] },
      ],
      listening: [
        {
          protocol: 'tcp6',
          address: '::',
          port: 8080,
          uid: 1001,
          processes: [{ pid: 4321, comm: 'java' }],
        },
      ],
      connections: peers.map((p, k) => ({
        protocol: 'tcp',
        localAddress: address(i),
        localPort: 40000 + k,
        remoteAddress: address(p),
        remotePort: 8080,
      })),
    },
    packages:
      i % 10 === 0
        ? [
            ...packages,
            {
              manager: 'dpkg',
              name: 'elasticsearch',
              version: '7.10.2',
              arch: 'amd64',
              sourcePackage: '',
            },
          ]
        : packages,
  });
  await unary(client, 'reportInventory', { snapshot, collectedAtMs: Date.now() - 1000 }, h.md);
});
const reportS = seconds(t0);

const timed = async (label, path) => {
  const t = process.hrtime.bigint();
  const body = await api('GET', path);
  return { label, s: seconds(t), body };
};
const results = [];
results.push(await timed('GET /advisories (cold: loads the CISA list)', '/advisories?pageSize=5'));
results.push(await timed('GET /advisories (warm)', '/advisories?pageSize=5'));
results.push(await timed(`GET /hosts/:id/advisories`, `/hosts/${hosts[0].hostId}/advisories`));
results.push(await timed('GET /network/map (cold: parses every snapshot)', '/network/map'));
results.push(await timed('GET /network/map (warm: cached by snapshot id)', '/network/map'));
results.push(
  await timed('GET /network/vulnerable-reachability', '/network/vulnerable-reachability'),
);
results.push(await timed('GET /hosts/:id/peers', `/hosts/${hosts[0].hostId}/peers`));

console.log(
  `${database}, ${HOSTS} hosts, ${packages.length} packages each (this machine's dpkg status)`,
);
console.log(
  `enroll ${enrollS.toFixed(2)} s, report inventories ${reportS.toFixed(2)} s (${(HOSTS / reportS).toFixed(0)}/s)`,
);
for (const r of results) console.log(`${r.label}: ${(r.s * 1000).toFixed(0)} ms`);
const fleet = results[0].body;
console.log(
  `advisories: ${fleet.total} entries matched on ${fleet.hostsConsidered} hosts; map: ${results[3].body.edges.length} edges`,
);
console.log(`rss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);

client.close();
await stop();
