import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { HostEntity } from '../src/hosts/host.entity';
import { TestAgent } from './support/agent-client';
import { LOG4J_2_14, LOG4J_2_17, seedHost } from './support/seed';
import { startTestController, TestController, TestDatabase } from './support/test-controller';

/** What a user sends that the REST API must answer with a 4xx naming the problem, never a 500. */
describe.each<TestDatabase>(['sqlite', 'postgres'])('REST hardening (%s)', (database) => {
  let c: TestController;
  let admin: string;
  let agent: TestAgent;
  let other: TestAgent;

  beforeAll(async () => {
    c = await startTestController({ database });
    admin = `Bearer ${c.adminToken}`;
    agent = await seedHost(c, { hostname: 'alpha', findings: [LOG4J_2_14, LOG4J_2_17] });
    other = await seedHost(c, { hostname: 'bravo', findings: [LOG4J_2_14] });
  });

  afterAll(async () => {
    agent?.close();
    other?.close();
    await c?.close();
  });

  const post = (path: string, body: unknown) =>
    c
      .http()
      .post(`/api/v1${path}`)
      .set('Authorization', admin)
      .send(body as object);
  const get = (path: string, query: Record<string, string> = {}) =>
    c.http().get(`/api/v1${path}`).query(query).set('Authorization', admin);
  const messages = (body: unknown): string =>
    JSON.stringify((body as { message: unknown }).message);

  describe('H2: every number is bounded to what the wire and the agent take', () => {
    const scanCases: Array<[string, Record<string, unknown>]> = [
      ['maxNestedBytes', { maxNestedBytes: 1152921504606846976 }],
      ['maxNestedBytes', { maxNestedBytes: 1e300 }],
      ['maxNestedBytes', { maxNestedBytes: 512 * 1024 * 1024 + 1 }],
      ['maxNestedBytes', { maxNestedBytes: 1.5 }],
      ['maxNestedBytes', { maxNestedBytes: -1 }],
      ['threads', { threads: 65 }],
      ['threads', { threads: 4294967296 }],
      ['maxDepth', { maxDepth: 65 }],
      ['maxDepth', { maxDepth: 4294967296 }],
      ['expiresInSeconds', { expiresInSeconds: 30 * 86_400 + 1 }],
    ];

    it.each(scanCases)('POST /hosts/:id/scans: 400 naming %s for %j', async (field, body) => {
      const res = await post(`/hosts/${agent.hostId}/scans`, body);
      expect(res.status).toBe(400);
      expect(messages(res.body)).toContain(field);
    });

    it('POST /hosts/:id/scans: accepts the largest values, and the range is in the message', async () => {
      const res = await post(`/hosts/${agent.hostId}/scans`, {
        maxNestedBytes: 512 * 1024 * 1024,
        threads: 64,
        maxDepth: 64,
        expiresInSeconds: 30 * 86_400,
      });
      expect(res.status).toBe(201);
      expect(res.body.payload).toMatchObject({ maxNestedBytes: 536870912, threads: 64 });
      const refused = await post(`/hosts/${agent.hostId}/scans`, { maxNestedBytes: 1e300 });
      expect(messages(refused.body)).toContain(
        'maxNestedBytes must be an integer from 0 to 536870912',
      );
    });

    const campaignCases: Array<[string, Record<string, unknown>]> = [
      ['scan.maxNestedBytes', { scan: { maxNestedBytes: 1e300 } }],
      ['scan.threads', { scan: { threads: 65 } }],
      ['pacePerSecond', { pacePerSecond: 10_001 }],
      ['canarySize', { canarySize: 1001 }],
      ['failureThreshold', { failureThreshold: 1_000_001 }],
    ];

    it.each(campaignCases)('POST /campaigns: 400 naming %s', async (field, extra) => {
      const res = await post('/campaigns', { selector: { all: true }, ...extra });
      expect(res.status).toBe(400);
      expect(messages(res.body)).toContain(field);
    });

    const scheduleCases: Array<[string, Record<string, unknown>]> = [
      ['scan.maxNestedBytes', { scan: { maxNestedBytes: 1152921504606846976 } }],
      ['scan.threads', { scan: { threads: 1000 } }],
      ['jitterWindowSeconds', { jitterWindowSeconds: 86_401 }],
      ['campaignTtlSeconds', { campaignTtlSeconds: 30 * 86_400 + 1 }],
      ['failureThreshold', { failureThreshold: 1e300 }],
    ];

    it.each(scheduleCases)('POST /schedules: 400 naming %s', async (field, extra) => {
      const res = await post('/schedules', {
        everySeconds: 3600,
        selector: { all: true },
        ...extra,
      });
      expect(res.status).toBe(400);
      expect(messages(res.body)).toContain(field);
    });

    it.each([
      ['expiresInHours', { expiresInHours: 8761 }],
      ['maxUses', { maxUses: 1e300 }],
    ])('POST /enrollment-tokens: 400 naming %s', async (field, extra) => {
      const res = await post('/enrollment-tokens', { name: 'bounds', ...extra });
      expect(res.status).toBe(400);
      expect(messages(res.body)).toContain(field);
    });

    it.each(['/hosts', '/findings', '/audit', '/campaigns', '/inventory/hosts'])(
      'GET %s: ?page=1e20 and ?pageSize=501 are 400 naming the field',
      async (path) => {
        for (const [field, value] of [
          ['page', '1e20'],
          ['page', '99999999999'],
          ['pageSize', '501'],
        ]) {
          const res = await get(path, { [field]: value });
          expect(res.status).toBe(400);
          expect(messages(res.body)).toContain(field);
        }
        expect((await get(path, { page: '10000000', pageSize: '500' })).status).toBe(200);
      },
    );
  });

  describe('M6: a NUL character in any string is a 400 naming the field', () => {
    const nul = 'a\u0000b';
    it.each([
      ['pathContains', '/findings'],
      ['product', '/findings'],
      ['version', '/findings'],
      ['pathContains', '/findings/export'],
      ['product', '/hosts'],
      ['version', '/hosts'],
      ['actor', '/audit'],
      ['action', '/audit'],
    ])('query %s of GET %s', async (field, path) => {
      const res = await get(path, {
        [field]: nul,
        ...(path.endsWith('export') ? { format: 'csv' } : {}),
      });
      expect(res.status).toBe(400);
      expect(messages(res.body)).toContain(`${field} must not contain a NUL character`);
    });

    it.each([
      ['name', '/enrollment-tokens', { name: nul }],
      ['name', '/api-tokens', { name: nul, role: 'viewer' }],
      ['name', '/campaigns', { name: nul, selector: { all: true } }],
      ['scan.exclude[1]', '/campaigns', { selector: { all: true }, scan: { exclude: ['x', nul] } }],
      ['name', '/schedules', { name: nul, everySeconds: 3600, selector: { all: true } }],
      ['exclude[0]', '/hosts/:id/scans', { exclude: [nul] }],
      ['note', '/hosts/:id/remediations', { method: 'upgraded', note: nul }],
      ['ticket', '/hosts/:id/remediations', { method: 'upgraded', note: 'x', ticket: nul }],
    ])('body %s of POST %s', async (field, path, body) => {
      const res = await post(path.replace(':id', agent.hostId), body);
      expect(res.status).toBe(400);
      expect(messages(res.body)).toContain(`${field} must not contain a NUL character`);
    });

    it('a tag of PATCH /hosts/:id and a path id', async () => {
      const patched = await c
        .http()
        .patch(`/api/v1/hosts/${agent.hostId}`)
        .set('Authorization', admin)
        .send({ tags: ['ok', nul] });
      expect(patched.status).toBe(400);
      expect(messages(patched.body)).toContain('tags[1] must not contain a NUL character');
      const byId = await get(`/hosts/${agent.hostId.slice(0, -1)}%00`);
      expect(byId.status).toBe(400);
      expect(messages(byId.body)).toContain('id must not contain a NUL character');
    });
  });

  describe('Low: malformed requests are 4xx, never 500', () => {
    it('a body over the limit is a 413 that says so', async () => {
      const res = await post('/enrollment-tokens', { name: 'x', pad: 'y'.repeat(150_000) });
      expect(res.status).toBe(413);
      expect(res.body.message).toMatch(
        /request body is larger than this route's limit of 102400 bytes/,
      );
      const huge = await post(`/hosts/${agent.hostId}/scans`, { exclude: ['z'.repeat(3_000_000)] });
      expect(huge.status).toBe(413);
      expect(huge.body.message).toContain('2097152 bytes');
    });

    it('a scan with every path and exclude pattern at its longest fits the body limit', async () => {
      const res = await post(`/hosts/${agent.hostId}/scans`, {
        paths: Array.from({ length: 64 }, (_, i) => `/${i}${'p'.repeat(4000)}`),
        exclude: Array.from({ length: 256 }, (_, i) => `/${i}${'e'.repeat(4000)}`),
      });
      expect(res.status).toBe(201);
    });

    it('a bogus Content-Encoding is a 415, malformed JSON a 400', async () => {
      const encoded = await c
        .http()
        .post(`/api/v1/hosts/${agent.hostId}/scans`)
        .set('Authorization', admin)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'bogus')
        .send('{}');
      expect(encoded.status).toBe(415);
      expect(encoded.body.message).toContain('bogus');
      const malformed = await c
        .http()
        .post(`/api/v1/hosts/${agent.hostId}/scans`)
        .set('Authorization', admin)
        .set('Content-Type', 'application/json')
        .send('{"threads": ');
      expect(malformed.status).toBe(400);
    });

    it('a form or text body is a 415: only application/json', async () => {
      const form = await c
        .http()
        .post(`/api/v1/hosts/${agent.hostId}/scans`)
        .set('Authorization', admin)
        .type('form')
        .send('threads=3');
      expect(form.status).toBe(415);
      expect(form.body.message).toContain('application/json');
      const text = await c
        .http()
        .post('/api/v1/enrollment-tokens')
        .set('Authorization', admin)
        .set('Content-Type', 'text/plain')
        .send('{"name":"x"}');
      expect(text.status).toBe(415);
      // A POST without a body needs no Content-Type.
      const campaign = await post('/campaigns', { selector: { hostIds: [agent.hostId] } });
      const cancelled = await c
        .http()
        .post(`/api/v1/campaigns/${campaign.body.id}/cancel`)
        .set('Authorization', admin);
      expect(cancelled.status).toBeLessThan(300);
    });

    it('a body nested thousands of levels deep is a 400, not a stack overflow', async () => {
      const res = await c
        .http()
        .post(`/api/v1/hosts/${agent.hostId}/scans`)
        .set('Authorization', admin)
        .set('Content-Type', 'application/json')
        .send(`{"exclude":${'['.repeat(5000)}${']'.repeat(5000)}}`);
      expect(res.status).toBe(400);
      expect(messages(res.body)).toContain('is nested deeper than 16 levels');
    });

    it('sends no X-Powered-By header', async () => {
      const res = await get('/hosts');
      expect(res.status).toBe(200);
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('an upper-case id finds the same row as its lower-case form, in paths, queries and bodies', async () => {
      const upper = agent.hostId.toUpperCase();
      const host = await get(`/hosts/${upper}`);
      expect(host.status).toBe(200);
      expect(host.body.host.id).toBe(agent.hostId);
      const findings = await get('/findings', { hostId: upper });
      expect(findings.body.total).toBe(2);
      const audit = await get('/audit', { hostId: upper });
      expect(audit.body.total).toBeGreaterThan(0);
      const campaign = await post('/campaigns', { selector: { hostIds: [upper] } });
      expect(campaign.status).toBe(202);
      expect(campaign.body.targetCount).toBe(1);
      expect(campaign.body.selector.hostIds).toEqual([agent.hostId]);
      const token = await post('/enrollment-tokens', { name: 'case' });
      const byUpper = await get(`/enrollment-tokens/${String(token.body.id).toUpperCase()}`);
      expect(byUpper.status).toBe(200);
      expect(byUpper.body.id).toBe(token.body.id);
    });

    it('POST /campaigns takes its documented maximum of 10,000 host ids', async () => {
      const ids = await insertHosts(c, 10_000);
      const res = await post('/campaigns', { selector: { hostIds: ids }, pacePerSecond: 1 });
      expect(res.status).toBe(202);
      expect(res.body.targetCount).toBe(10_000);
      await c.http().post(`/api/v1/campaigns/${res.body.id}/cancel`).set('Authorization', admin);
      const tooMany = await post('/campaigns', {
        selector: { hostIds: [...ids, randomUUID()] },
      });
      expect(tooMany.status).toBe(400);
      expect(messages(tooMany.body)).toContain('selector.hostIds');
    }, 60_000);

    it('the findings export says when it stops short, in a header and in the body', async () => {
      const csv = await get('/findings/export', { format: 'csv', limit: '2' });
      expect(csv.status).toBe(200);
      expect(csv.headers['x-log4fleet-truncated']).toBe('true');
      expect(csv.headers['x-log4fleet-total']).toBe('3');
      const lines = csv.text.trim().split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[3]).toBe('# truncated: 2 of 3 findings exported (limit 2); narrow the filter');
      const json = await get('/findings/export', { format: 'json', limit: '2' });
      expect(JSON.parse(json.text)).toMatchObject({ total: 3, truncated: true });
      expect(JSON.parse(json.text).items).toHaveLength(2);

      const all = await get('/findings/export', { format: 'json' });
      expect(all.headers['x-log4fleet-truncated']).toBe('false');
      const body = JSON.parse(all.text) as { truncated: boolean; items: Array<{ id: string }> };
      expect(body.truncated).toBe(false);
      const ids = body.items.map((f) => f.id);
      expect(ids).toHaveLength(3);
      expect([...ids].sort()).toEqual(ids);
      const full = await get('/findings/export', { format: 'csv' });
      expect(full.text).not.toContain('# truncated');
      expect((await get('/findings/export', { format: 'csv', limit: '200001' })).status).toBe(400);
    });
  });
});

/** Hosts straight into the database (no agents): a selector's target, nothing more. */
async function insertHosts(c: TestController, count: number): Promise<string[]> {
  const now = new Date();
  const hosts = Array.from({ length: count }, (_, i) => {
    const host = new HostEntity();
    Object.assign(host, {
      id: randomUUID(),
      hostname: `bulk-${i}`,
      fqdn: `bulk-${i}.example.test`,
      machineId: randomBytes(16).toString('hex'),
      osName: 'Linux',
      osVersion: '12',
      kernel: '6.1',
      arch: 'x86_64',
      addresses: '[]',
      tags: '[]',
      status: 'unknown',
      flagged: false,
      flagReason: null,
      lastSeenAt: null,
      statusChangedAt: null,
      lastScanRunId: null,
      lastScanAt: null,
      createdAt: now,
    });
    return host;
  });
  const repository = c.app.get(DataSource).getRepository(HostEntity);
  for (let i = 0; i < hosts.length; i += 500) await repository.insert(hosts.slice(i, i + 500));
  return hosts.map((h) => h.id);
}
