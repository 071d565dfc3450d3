import { randomUUID } from 'node:crypto';
import type { Connection, InventorySnapshot, ListeningPort } from '@log4fleet/contracts';
import { baseSnapshot, safeJvm, vulnerableJvm } from '../src/inventory/inventory-fixtures';
import { TestAgent } from './support/agent-client';
import { reportInventory } from './support/inventory-client';
import { LOG4J_2_14, LOG4J_2_17, seedHost } from './support/seed';
import {
  startTestController,
  type TestController,
  type TestDatabase,
} from './support/test-controller';

jest.setTimeout(120_000);

const listen = (address: string, port: number, comm: string, pid: number): ListeningPort => ({
  protocol: address.includes(':') ? 'tcp6' : 'tcp',
  address,
  port,
  uid: 1001,
  processes: [{ pid, comm, uid: 1001, user: 'app' }],
});
const connection = (local: string, lport: number, remote: string, rport: number): Connection => ({
  protocol: 'tcp',
  localAddress: local,
  localPort: lport,
  remoteAddress: remote,
  remotePort: rport,
  uid: 1001,
  processes: [],
});
const pkg = (name: string, version: string, sourcePackage = '') => ({
  manager: 'dpkg',
  name,
  version,
  arch: 'all',
  sourcePackage,
});

function snapshot(
  hostname: string,
  address: string,
  network: { listening: ListeningPort[]; connections: Connection[] },
  over: Partial<InventorySnapshot> = {},
): InventorySnapshot {
  const base = baseSnapshot();
  return {
    ...base,
    os: { ...base.os!, hostname },
    network: {
      interfaces: [
        {
          name: 'lo',
          addresses: [{ address: '127.0.0.1', family: 'IPv4', cidr: '', mac: '', internal: true }],
        },
        {
          name: 'eth0',
          addresses: [{ address, family: 'IPv4', cidr: `${address}/24`, mac: '', internal: false }],
        },
        // Every host has docker0 with the same address: it must not join hosts.
        {
          name: 'docker0',
          addresses: [
            { address: '172.17.0.1', family: 'IPv4', cidr: '', mac: '', internal: false },
          ],
        },
      ],
      defaultRoutes: [],
      ...network,
    },
    ...over,
  };
}

/**
 * A seeded fleet over real gRPC: web1 (vulnerable by its jar scan, a JVM running log4j-core
 * 2.14.1 on *:8983, Debian's liblog4j2-java and Elasticsearch 7.10.2 installed), app2 (clean,
 * connects to web1:8983, serves 443), ops3 (connects to app2:443), quiet4 (no inventory).
 */
describe.each<TestDatabase>(['sqlite', 'postgres'])(
  'advisories and network map on %s',
  (database) => {
    let c: TestController;
    let viewer: string;
    let operator: string;
    let web1: TestAgent;
    let app2: TestAgent;
    let ops3: TestAgent;
    let quiet4: TestAgent;

    beforeAll(async () => {
      c = await startTestController({ database });
      viewer = `Bearer ${await c.tokenFor('viewer')}`;
      operator = `Bearer ${await c.tokenFor('operator')}`;
      web1 = await seedHost(c, {
        hostname: 'web1',
        addresses: ['10.1.0.1'],
        findings: [
          {
            ...LOG4J_2_14,
            chain: [Buffer.from('/opt/solr-8.11.0/server/lib/ext/log4j-core-2.14.1.jar')],
          },
        ],
      });
      app2 = await seedHost(c, {
        hostname: 'app2',
        addresses: ['10.1.0.2'],
        findings: [LOG4J_2_17],
      });
      ops3 = await seedHost(c, { hostname: 'ops3', addresses: ['10.1.0.3'] });
      quiet4 = await seedHost(c, { hostname: 'quiet4', addresses: ['10.1.0.4'] });
      const now = Date.now();
      await reportInventory(web1, {
        collectedAtMs: now - 1000,
        snapshot: snapshot(
          'web1',
          '10.1.0.1',
          {
            listening: [listen('::', 8983, 'java', 4321), listen('127.0.0.1', 7983, 'java', 4321)],
            connections: [connection('::ffff:10.1.0.1', 8983, '::ffff:10.1.0.2', 50000)],
          },
          {
            jvms: [vulnerableJvm()],
            packages: [
              pkg('elasticsearch', '7.10.2'),
              pkg('liblog4j2-java', '2.17.1-1~deb11u1', 'apache-log4j2'),
              pkg('openssh-server', '1:9.2p1-2'),
            ],
          },
        ),
      });
      await reportInventory(app2, {
        collectedAtMs: now - 1000,
        snapshot: snapshot(
          'app2',
          '10.1.0.2',
          {
            listening: [listen('0.0.0.0', 443, 'nginx', 77)],
            connections: [
              connection('10.1.0.2', 50000, '10.1.0.1', 8983),
              connection('10.1.0.2', 443, '10.1.0.3', 41000),
            ],
          },
          { jvms: [safeJvm()], packages: [pkg('openssh-server', '1:9.2p1-2')] },
        ),
      });
      await reportInventory(ops3, {
        collectedAtMs: now - 1000,
        snapshot: snapshot(
          'ops3',
          '10.1.0.3',
          { listening: [], connections: [connection('10.1.0.3', 41000, '10.1.0.2', 443)] },
          { packages: [] },
        ),
      });
    });

    afterAll(async () => {
      [web1, app2, ops3, quiet4].forEach((a) => a?.close());
      await c?.close();
    });

    /** GET as a viewer; `auth` '' sends no Authorization header. */
    const get = (path: string, auth = viewer) => {
      const req = c.http().get(path);
      return auth ? req.set('Authorization', auth) : req;
    };

    it('answers 401 without a valid token, 400 on bad input and 404 for an unknown host', async () => {
      for (const path of [
        `/api/v1/hosts/${web1.hostId}/advisories`,
        '/api/v1/advisories',
        '/api/v1/network/map',
        '/api/v1/network/vulnerable-reachability',
        '/api/v1/network/exposed-jvms',
        `/api/v1/hosts/${web1.hostId}/peers`,
      ]) {
        expect((await get(path, '')).status).toBe(401);
        expect((await get(path, 'Bearer nope')).status).toBe(401);
        // Read-only for every role, like the inventory's history and host queries.
        for (const auth of [viewer, operator, `Bearer ${c.adminToken}`])
          expect((await get(path, auth)).status).toBe(200);
      }
      expect(
        (await get(`/api/v1/hosts/${web1.hostId}/advisories?minConfidence=maybe`)).status,
      ).toBe(400);
      expect((await get('/api/v1/advisories?status=vulnerable')).status).toBe(400);
      expect((await get('/api/v1/network/vulnerable-reachability?maxHops=11')).status).toBe(400);
      expect((await get('/api/v1/hosts/not-a-uuid/peers')).status).toBe(400);
      expect((await get(`/api/v1/hosts/${randomUUID()}/advisories`)).status).toBe(404);
      expect((await get(`/api/v1/hosts/${randomUUID()}/peers`)).status).toBe(404);
    });

    it("gives a host's packages and jar-scan products as advice, each with confidence and the entry per CVE", async () => {
      const res = await get(`/api/v1/hosts/${web1.hostId}/advisories`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        hostname: 'web1',
        hostStatus: 'vulnerable',
        packages: 3,
        jarScanProducts: 2,
        database: { commit: '57059d570b7e1baceb31f7c95247a8b449a4cbb1', entries: 4472 },
      });
      expect(res.body.note).toContain('The jar scan, not this list, decides');
      type M = {
        vendor: string;
        product: string;
        confidence: string;
        software: { source: string; name: string };
        cves: Array<{ cve: string; versionVerdict: string; decidedBy: string | null }>;
        advice: string;
      };
      const matches = res.body.matches as M[];
      const of = (vendor: string, product: string, name: string) =>
        matches.find(
          (m) => m.vendor === vendor && m.product === product && m.software.name === name,
        );
      const main = (m: M | undefined) => m?.cves.find((x) => x.cve === 'CVE-2021-44228');
      expect(of('Debian', 'Apache-log4j2', 'liblog4j2-java')).toMatchObject({
        confidence: 'alias',
        software: { source: 'dpkg' },
      });
      expect(main(of('Elastic', 'Elasticsearch', 'elasticsearch'))).toMatchObject({
        versionVerdict: 'below-fixed',
        decidedBy: '7.16.2',
      });
      expect(of('Apache', 'Log4j 2.x', 'log4j-core')?.software.source).toBe('jar-scan');
      expect(main(of('Apache', 'SOLR', 'solr'))).toMatchObject({
        versionVerdict: 'in-fixed-list',
        decidedBy: '8.0.0 to 8.11.0',
      });
      for (const m of matches) expect(m.advice).toContain('Check with the vendor');
      expect(matches.some((m) => m.software.name === 'openssh-server')).toBe(false);
      const affected = await get(
        `/api/v1/hosts/${web1.hostId}/advisories?status=affected&minConfidence=alias`,
      );
      expect(
        (affected.body.matches as M[]).map(
          (m) => `${m.vendor} / ${m.product} <- ${m.software.name}`,
        ),
      ).toEqual(['Apache / Log4j 2.x <- liblog4j2-java', 'Apache / Log4j 2.x <- log4j-core']);
    });

    it('answers for a host without inventory from its jar scan alone, and with nothing for neither', async () => {
      const quiet = await get(`/api/v1/hosts/${quiet4.hostId}/advisories`);
      expect(quiet.body).toMatchObject({
        hostStatus: 'unknown',
        inventorySnapshotId: null,
        packages: 0,
        jarScanProducts: 0,
        matches: [],
      });
    });

    it('counts across the fleet which listed products are installed on how many hosts', async () => {
      const res = await get('/api/v1/advisories?minConfidence=alias');
      expect(res.status).toBe(200);
      expect(res.body.hostsConsidered).toBe(3);
      type F = {
        vendor: string;
        product: string;
        status: string;
        hosts: number;
        hostIds: string[];
        software: Array<{ name: string; version: string; hosts: number }>;
      };
      const items = res.body.items as F[];
      const log4j = items.find((i) => i.vendor === 'Apache' && i.product === 'Log4j 2.x');
      expect(log4j).toMatchObject({ status: 'affected', hosts: 2 });
      expect(log4j?.hostIds.sort()).toEqual([web1.hostId, app2.hostId].sort());
      expect(log4j?.software.map((s) => `${s.name} ${s.version} ${s.hosts}`).sort()).toEqual([
        'liblog4j2-java 2.17.1-1~deb11u1 1',
        'log4j-core 2.14.1 1',
        'log4j-core 2.17.1 1',
      ]);
      expect(items[0].status).toBe('affected');
      const page = await get('/api/v1/advisories?minConfidence=alias&pageSize=1&page=2');
      expect(page.body).toMatchObject({ total: items.length, page: 2, pageSize: 1 });
      expect(page.body.items).toEqual([items[1]]);
    });

    it('maps who talks to whom, matching hosts to their addresses and not to the shared docker0 one', async () => {
      const res = await get('/api/v1/network/map');
      expect(res.status).toBe(200);
      const name = new Map([
        [web1.hostId, 'web1'],
        [app2.hostId, 'app2'],
        [ops3.hostId, 'ops3'],
        [quiet4.hostId, 'quiet4'],
      ]);
      const label = (ref: string) => (ref.startsWith('host:') ? name.get(ref.slice(5)) : ref);
      expect(
        (
          res.body.edges as Array<{
            from: string;
            to: string;
            port: number;
            service: string;
            seenBy: string[];
          }>
        )
          .map(
            (e) =>
              `${label(e.from)} -> ${label(e.to)}:${e.port} ${e.service} ${e.seenBy.join('+')}`,
          )
          .sort(),
      ).toEqual(['app2 -> web1:8983 java client+server', 'ops3 -> app2:443 nginx client+server']);
      expect(res.body.ambiguousAddresses).toEqual([
        { address: '172.17.0.1', hostIds: [web1.hostId, app2.hostId, ops3.hostId].sort() },
      ]);
      const quiet = (
        res.body.hosts as Array<{
          hostId: string;
          inventoryCollectedAt: string | null;
          addresses: string[];
        }>
      ).find((h) => h.hostId === quiet4.hostId);
      expect(quiet).toMatchObject({ inventoryCollectedAt: null, addresses: ['10.1.0.4'] });
    });

    it('says which hosts reach the vulnerable one, directly and through a hop', async () => {
      const res = await get('/api/v1/network/vulnerable-reachability');
      expect(res.body.hosts).toEqual([
        {
          hostId: web1.hostId,
          hostname: 'web1',
          status: 'vulnerable',
          exposedListeners: [
            { protocol: 'tcp6', address: '::', port: 8983, pids: [4321], processes: ['java'] },
          ],
          reachableFrom: [
            {
              hostId: app2.hostId,
              hostname: 'app2',
              status: 'clean',
              hops: 1,
              path: ['app2', 'web1'],
              ports: [8983],
            },
            {
              hostId: ops3.hostId,
              hostname: 'ops3',
              status: 'unknown',
              hops: 2,
              path: ['ops3', 'app2', 'web1'],
              ports: [443],
            },
          ],
        },
      ]);
      const direct = await get('/api/v1/network/vulnerable-reachability?maxHops=1');
      expect(
        direct.body.hosts[0].reachableFrom.map((r: { hostname: string }) => r.hostname),
      ).toEqual(['app2']);
    });

    it('lists vulnerable JVMs listening outside loopback with the hosts that connect to them', async () => {
      const res = await get('/api/v1/network/exposed-jvms');
      expect(res.body).toEqual([
        expect.objectContaining({
          hostId: web1.hostId,
          pid: 4321,
          jars: ['/srv/app/lib/log4j-core-2.14.1.jar'],
          listeners: [
            { protocol: 'tcp6', address: '::', port: 8983, pids: [4321], processes: ['java'] },
          ],
          clients: [
            expect.objectContaining({ hostId: app2.hostId, hostname: 'app2', ports: [8983] }),
          ],
        }),
      ]);
    });

    it('tells which hosts talk to a given host', async () => {
      const res = await get(`/api/v1/hosts/${app2.hostId}/peers`);
      expect(res.status).toBe(200);
      expect(
        res.body.inbound.map((p: { hostname: string; ports: number[] }) => [p.hostname, p.ports]),
      ).toEqual([['ops3', [443]]]);
      expect(
        res.body.outbound.map((p: { hostname: string; ports: number[] }) => [p.hostname, p.ports]),
      ).toEqual([['web1', [8983]]]);
    });

    it('documents every new route in OpenAPI with a summary, a response schema, 401 and 403', async () => {
      const doc = (await c.http().get('/api/docs-json')).body as {
        paths: Record<
          string,
          { get: { summary?: string; responses: Record<string, { content?: unknown }> } }
        >;
      };
      for (const path of [
        '/api/v1/hosts/{id}/advisories',
        '/api/v1/advisories',
        '/api/v1/network/map',
        '/api/v1/network/vulnerable-reachability',
        '/api/v1/network/exposed-jvms',
        '/api/v1/hosts/{id}/peers',
      ]) {
        const op = doc.paths[path]?.get;
        expect(op?.summary).toBeTruthy();
        expect(op?.responses['200']?.content).toBeDefined();
        expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
      }
    });
  },
);
