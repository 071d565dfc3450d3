import { randomUUID } from 'node:crypto';
import { TestAgent } from './support/agent-client';
import { LOG4J_2_14, LOG4J_2_17, seedHost } from './support/seed';
import { startTestController, TestController } from './support/test-controller';

describe('REST API contract (SQLite)', () => {
  let c: TestController;
  let admin: string;
  let operator: string;
  let viewer: string;
  let vulnerable: TestAgent;
  let clean: TestAgent;
  let unscanned: TestAgent;
  const bearer = (token: string) => `Bearer ${token}`;

  beforeAll(async () => {
    c = await startTestController();
    admin = bearer(c.adminToken);
    operator = bearer(await c.tokenFor('operator'));
    viewer = bearer(await c.tokenFor('viewer'));
    vulnerable = await seedHost(c, { tags: ['dc:a'], hostname: 'alpha', findings: [LOG4J_2_14] });
    clean = await seedHost(c, { tags: ['dc:b'], hostname: 'bravo', findings: [LOG4J_2_17] });
    unscanned = await seedHost(c, { hostname: 'charlie' });
  });

  afterAll(async () => {
    [vulnerable, clean, unscanned].forEach((a) => a?.close());
    await c.close();
  });

  describe('authentication and roles', () => {
    it.each([
      ['no header', undefined],
      ['a malformed token', 'Bearer nope'],
      ['an unknown token', `Bearer l4f_0000000000000000_${'0'.repeat(64)}`],
      ['the wrong scheme', 'Basic l4f_0000000000000000_abc'],
    ])('answers 401 to %s', async (_what, header) => {
      const req = c.http().get('/api/v1/hosts');
      if (header) req.set('Authorization', header);
      const res = await req;
      expect(res.status).toBe(401);
    });

    it('answers 403 when the role is too low, naming the role needed', async () => {
      const res = await c
        .http()
        .post('/api/v1/enrollment-tokens')
        .set('Authorization', operator)
        .send({ name: 'x' });
      expect(res.status).toBe(403);
      expect(res.body.message).toContain('admin');
      expect(
        (
          await c
            .http()
            .post(`/api/v1/hosts/${clean.hostId}/scans`)
            .set('Authorization', viewer)
            .send({})
        ).status,
      ).toBe(403);
      expect(
        (
          await c
            .http()
            .patch(`/api/v1/hosts/${clean.hostId}`)
            .set('Authorization', viewer)
            .send({ tags: [] })
        ).status,
      ).toBe(403);
      expect((await c.http().get('/api/v1/api-tokens').set('Authorization', operator)).status).toBe(
        403,
      );
    });

    it('locks out a revoked API token', async () => {
      const created = await c
        .http()
        .post('/api/v1/api-tokens')
        .set('Authorization', admin)
        .send({ name: 'temp', role: 'viewer' });
      expect(created.status).toBe(201);
      const token = bearer(created.body.token);
      expect((await c.http().get('/api/v1/hosts').set('Authorization', token)).status).toBe(200);
      const revoked = await c
        .http()
        .delete(`/api/v1/api-tokens/${created.body.id}`)
        .set('Authorization', admin);
      expect(revoked.body.revoked).toBe(true);
      expect((await c.http().get('/api/v1/hosts').set('Authorization', token)).status).toBe(401);
      const list = await c.http().get('/api/v1/api-tokens').set('Authorization', admin);
      expect(list.body.map((t: { name: string }) => t.name)).toEqual(
        expect.arrayContaining(['admin', 'temp']),
      );
      expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    });
  });

  describe('health and docs', () => {
    it('serves liveness and readiness without a token', async () => {
      expect((await c.http().get('/api/v1/health/live')).body).toEqual({ status: 'ok' });
      const ready = await c.http().get('/api/v1/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ database: 'up', redis: 'up' });
    });

    it('serves the OpenAPI document', async () => {
      const res = await c.http().get('/api/docs-json');
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/hosts',
          '/api/v1/hosts/{id}/scans',
          '/api/v1/findings/export',
        ]),
      );
      const hostsPage =
        res.body.paths['/api/v1/hosts'].get.responses['200'].content['application/json'].schema;
      expect(hostsPage.properties.items.items.$ref).toBe('#/components/schemas/HostDto');
      expect(Object.keys(res.body.components.schemas)).toEqual(
        expect.arrayContaining(['HostDto', 'FindingDto', 'CommandDto', 'CreateScanDto']),
      );
    });

    it('documents the host-truth operations: summary, responses, 401/403, enums', async () => {
      const doc = (await c.http().get('/api/docs-json')).body;
      const ops: Array<[string, string, string | null]> = [
        ['/api/v1/hosts', 'get', null],
        ['/api/v1/hosts/{id}', 'get', null],
        ['/api/v1/hosts/{id}/scans', 'get', null],
        ['/api/v1/hosts/{id}/scans', 'post', 'operator'],
        ['/api/v1/hosts/{id}/scans/compare', 'get', null],
        ['/api/v1/hosts/{id}/remediations', 'get', null],
        ['/api/v1/hosts/{id}/remediations', 'post', 'operator'],
        ['/api/v1/hosts/{id}/flag/clear', 'post', 'admin'],
        ['/api/v1/findings', 'get', null],
        ['/api/v1/findings/export', 'get', null],
      ];
      for (const [path, method, role] of ops) {
        const op = doc.paths[path][method];
        expect({ path, method, summary: typeof op.summary }).toEqual({
          path,
          method,
          summary: 'string',
        });
        expect(Object.keys(op.responses)).toEqual(
          expect.arrayContaining([
            method === 'post' && !path.endsWith('/clear') ? '201' : '200',
            '401',
            ...(role ? ['403'] : []),
          ]),
        );
      }
      const schemas = doc.components.schemas;
      expect(schemas.ScanRunDto.properties.completeness.enum).toEqual([
        'unfinished',
        'complete',
        'incomplete',
      ]);
      expect(schemas.FindingDto.properties.source.enum).toEqual(['path', 'process']);
      expect(schemas.RemediationStatusDto.properties.verification.enum).toContain('unverified');
      const flagged = doc.paths['/api/v1/hosts'].get.parameters.find(
        (p: { name: string }) => p.name === 'flagged',
      );
      expect(flagged).toBeDefined();
    });
  });

  describe('enrollment tokens', () => {
    it('creates a token shown once, lists and reads it without the secret, and revokes it', async () => {
      const res = await c
        .http()
        .post('/api/v1/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'rack 7', maxUses: 5, expiresInHours: 2, tags: ['rack:7'] });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name: 'rack 7',
        maxUses: 5,
        uses: 0,
        tags: ['rack:7'],
        revoked: false,
        createdBy: 'admin',
      });
      expect(res.body.token).toMatch(/^l4fe_[0-9a-f]{16}_[0-9a-f]{64}$/);
      const list = await c.http().get('/api/v1/enrollment-tokens').set('Authorization', admin);
      expect(list.body.map((t: { id: string }) => t.id)).toContain(res.body.id);
      expect(JSON.stringify(list.body)).not.toContain(res.body.token);
      const one = await c
        .http()
        .get(`/api/v1/enrollment-tokens/${res.body.id}`)
        .set('Authorization', admin);
      expect(one.body.token).toBeUndefined();
      const revoked = await c
        .http()
        .delete(`/api/v1/enrollment-tokens/${res.body.id}`)
        .set('Authorization', admin);
      expect(revoked.body.revoked).toBe(true);
      const agent = new TestAgent(c.grpcAddress);
      try {
        await expect(agent.enroll(res.body.token)).rejects.toMatchObject({
          details: expect.stringContaining('revoked'),
        });
      } finally {
        agent.close();
      }
    });

    it.each([
      [{ name: '' }, 'name'],
      [{ name: 'x', maxUses: 0 }, 'maxUses'],
      [{ name: 'x', expiresInHours: 'soon' }, 'expiresInHours'],
      [{ name: 'x', tags: ['has space'] }, 'tag'],
      [{ name: 'x', owner: 'me' }, 'owner'],
    ])('answers 400 naming the field for %j', async (body, field) => {
      const res = await c
        .http()
        .post('/api/v1/enrollment-tokens')
        .set('Authorization', admin)
        .send(body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('answers 404 for an unknown token and 400 for a malformed id', async () => {
      expect(
        (
          await c
            .http()
            .get('/api/v1/enrollment-tokens/0123456789abcdef')
            .set('Authorization', admin)
        ).status,
      ).toBe(404);
      expect(
        (
          await c
            .http()
            .delete('/api/v1/enrollment-tokens/0123456789abcdef')
            .set('Authorization', admin)
        ).status,
      ).toBe(404);
      expect(
        (await c.http().get('/api/v1/enrollment-tokens/NOT_AN_ID').set('Authorization', admin))
          .status,
      ).toBe(400);
    });
  });

  describe('hosts', () => {
    const names = (body: { items: Array<{ hostname: string }> }) =>
      body.items.map((h) => h.hostname).sort();
    const list = (query: Record<string, string | number>) =>
      c.http().get('/api/v1/hosts').query(query).set('Authorization', viewer);

    it('filters by status, tag, cve, product and version', async () => {
      expect(names((await list({ status: 'vulnerable' })).body)).toEqual(['alpha']);
      expect(names((await list({ status: 'clean' })).body)).toEqual(['bravo']);
      expect(names((await list({ status: 'unknown' })).body)).toEqual(['charlie']);
      expect(names((await list({ tag: 'dc:b' })).body)).toEqual(['bravo']);
      expect(names((await list({ cve: 'CVE-2021-44228' })).body)).toEqual(['alpha']);
      expect(names((await list({ product: 'log4j-core' })).body)).toEqual(['alpha', 'bravo']);
      expect(names((await list({ product: 'log4j-core', version: '2.17.1' })).body)).toEqual([
        'bravo',
      ]);
    });

    it('filters by last seen and paginates', async () => {
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect((await list({ lastSeenAfter: future })).body.total).toBe(0);
      expect((await list({ lastSeenBefore: future })).body.total).toBeGreaterThanOrEqual(3);
      const page = await list({ page: 2, pageSize: 1 });
      expect(page.body).toMatchObject({ page: 2, pageSize: 1 });
      expect(page.body.items).toHaveLength(1);
      expect(page.body.total).toBeGreaterThanOrEqual(3);
    });

    it.each([
      [{ status: 'pwned' }, 'status'],
      [{ pageSize: 0 }, 'pageSize'],
      [{ cve: 'log4shell' }, 'cve'],
      [{ lastSeenBefore: 'yesterday' }, 'lastSeenBefore'],
      [{ color: 'red' }, 'color'],
    ])('answers 400 naming the field for %j', async (query, field) => {
      const res = await list(query);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('shows a host with its agents, latest findings and status history', async () => {
      const res = await c
        .http()
        .get(`/api/v1/hosts/${vulnerable.hostId}`)
        .set('Authorization', viewer);
      expect(res.status).toBe(200);
      expect(res.body.host).toMatchObject({
        hostname: 'alpha',
        status: 'vulnerable',
        tags: ['dc:a'],
      });
      expect(res.body.agents).toEqual([
        expect.objectContaining({ id: vulnerable.agentId, revoked: false }),
      ]);
      expect(res.body.findings.map((f: { version: string }) => f.version)).toEqual(['2.14.1']);
      expect(res.body.statusHistory).toHaveLength(1);
    });

    it('answers 404 for an unknown host and 400 for a malformed id', async () => {
      expect(
        (await c.http().get(`/api/v1/hosts/${randomUUID()}`).set('Authorization', viewer)).status,
      ).toBe(404);
      expect((await c.http().get('/api/v1/hosts/42').set('Authorization', viewer)).status).toBe(
        400,
      );
    });

    it('replaces tags (operator) and records it in the audit log', async () => {
      const res = await c
        .http()
        .patch(`/api/v1/hosts/${unscanned.hostId}`)
        .set('Authorization', operator)
        .send({ tags: ['role:db', 'role:db', 'env:prod'] });
      expect(res.status).toBe(200);
      expect(res.body.tags).toEqual(['role:db', 'env:prod']);
      const audit = await c
        .http()
        .get('/api/v1/audit')
        .query({ hostId: unscanned.hostId, action: 'host.tags_updated' })
        .set('Authorization', viewer);
      expect(audit.body.items[0]).toMatchObject({
        action: 'host.tags_updated',
        details: { after: ['role:db', 'env:prod'] },
      });
      expect(audit.body.items[0].actor).toMatch(/^test-operator-/);
    });

    it('validates and 404s tag updates', async () => {
      const bad = await c
        .http()
        .patch(`/api/v1/hosts/${unscanned.hostId}`)
        .set('Authorization', operator)
        .send({ tags: ['no spaces allowed'] });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body.message)).toContain('tag');
      expect(
        (
          await c
            .http()
            .patch(`/api/v1/hosts/${unscanned.hostId}`)
            .set('Authorization', operator)
            .send({})
        ).status,
      ).toBe(400);
      expect(
        (
          await c
            .http()
            .patch(`/api/v1/hosts/${randomUUID()}`)
            .set('Authorization', operator)
            .send({ tags: [] })
        ).status,
      ).toBe(404);
    });
  });

  describe('commands', () => {
    it('creates a scan command (operator), lists it for the host and reads it', async () => {
      const res = await c
        .http()
        .post(`/api/v1/hosts/${unscanned.hostId}/scans`)
        .set('Authorization', operator)
        .send({ paths: ['/srv'], exclude: ['/srv/cache'], expiresInSeconds: 600 });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        hostId: unscanned.hostId,
        agentId: unscanned.agentId,
        kind: 'scan',
        state: 'queued',
        pushed: false,
      });
      expect(res.body.payload).toMatchObject({
        paths: ['/srv'],
        exclude: ['/srv/cache'],
        processes: true,
      });
      const listed = await c
        .http()
        .get(`/api/v1/hosts/${unscanned.hostId}/commands`)
        .set('Authorization', viewer);
      expect(listed.body.map((x: { id: string }) => x.id)).toContain(res.body.id);
      const one = await c
        .http()
        .get(`/api/v1/commands/${res.body.id}`)
        .set('Authorization', viewer);
      expect(one.body).toMatchObject({ id: res.body.id, state: 'queued' });
    });

    it.each([
      [{ maxDepth: -1 }, 'maxDepth'],
      [{ paths: '/srv' }, 'paths'],
      [{ expiresInSeconds: 5 }, 'expiresInSeconds'],
      [{ shell: 'rm -rf /' }, 'shell'],
    ])('answers 400 naming the field for %j', async (body, field) => {
      const res = await c
        .http()
        .post(`/api/v1/hosts/${unscanned.hostId}/scans`)
        .set('Authorization', operator)
        .send(body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('answers 404 for unknown hosts and commands', async () => {
      expect(
        (
          await c
            .http()
            .post(`/api/v1/hosts/${randomUUID()}/scans`)
            .set('Authorization', operator)
            .send({})
        ).status,
      ).toBe(404);
      expect(
        (await c.http().get(`/api/v1/hosts/${randomUUID()}/commands`).set('Authorization', viewer))
          .status,
      ).toBe(404);
      expect(
        (await c.http().get(`/api/v1/commands/${randomUUID()}`).set('Authorization', viewer))
          .status,
      ).toBe(404);
      expect((await c.http().get('/api/v1/commands/x').set('Authorization', viewer)).status).toBe(
        400,
      );
    });

    it('answers 409 when the host has no active agent', async () => {
      const lonely = await seedHost(c);
      expect(
        (await c.http().post(`/api/v1/agents/${lonely.agentId}/revoke`).set('Authorization', admin))
          .status,
      ).toBe(200);
      const res = await c
        .http()
        .post(`/api/v1/hosts/${lonely.hostId}/scans`)
        .set('Authorization', operator)
        .send({});
      expect(res.status).toBe(409);
      expect(res.body.message).toContain('no active agent');
      lonely.close();
    });
  });

  describe('agents', () => {
    it('revokes only as admin, and 404s an unknown agent', async () => {
      expect(
        (await c.http().post(`/api/v1/agents/${randomUUID()}/revoke`).set('Authorization', admin))
          .status,
      ).toBe(404);
      expect(
        (
          await c
            .http()
            .post(`/api/v1/agents/${clean.agentId}/revoke`)
            .set('Authorization', operator)
        ).status,
      ).toBe(403);
    });
  });

  describe('findings', () => {
    const search = (query: Record<string, string>) =>
      c.http().get('/api/v1/findings').query(query).set('Authorization', viewer);

    it('searches the current inventory by cve, status, product, version, host and path', async () => {
      expect(
        (await search({ cve: 'CVE-2021-44228' })).body.items.map(
          (f: { hostname: string }) => f.hostname,
        ),
      ).toEqual(['alpha']);
      expect(
        (await search({ status: 'safe' })).body.items.map((f: { version: string }) => f.version),
      ).toEqual(['2.17.1']);
      expect((await search({ product: 'log4j-core' })).body.total).toBe(2);
      expect((await search({ version: '2.14.1', hostId: vulnerable.hostId })).body.total).toBe(1);
      expect((await search({ hostId: clean.hostId, version: '2.14.1' })).body.total).toBe(0);
      expect(
        (await search({ pathContains: 'SRV/OTHER' })).body.items.map(
          (f: { hostname: string }) => f.hostname,
        ),
      ).toEqual(['bravo']);
      expect((await search({ pathContains: '%' })).body.total).toBe(0);
    });

    it('answers 400 naming the field', async () => {
      const res = await search({ status: 'exploited' });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain('status');
    });

    it('exports JSON and CSV, and refuses other formats', async () => {
      const json = await c
        .http()
        .get('/api/v1/findings/export')
        .query({ format: 'json' })
        .set('Authorization', viewer);
      expect(json.status).toBe(200);
      expect(
        JSON.parse(json.text)
          .items.map((f: { hostname: string }) => f.hostname)
          .sort(),
      ).toEqual(['alpha', 'bravo']);
      const csv = await c
        .http()
        .get('/api/v1/findings/export')
        .query({ format: 'csv', cve: 'CVE-2021-44228' })
        .set('Authorization', viewer);
      const lines = csv.text.trim().split('\n');
      expect(lines[0]).toMatch(/^hostId,hostname,path/);
      expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['alpha']);
      const xml = await c
        .http()
        .get('/api/v1/findings/export')
        .query({ format: 'xml' })
        .set('Authorization', viewer);
      expect(xml.status).toBe(400);
      expect(JSON.stringify(xml.body.message)).toContain('format');
    });
  });

  describe('audit log', () => {
    it('queries by actor, action, host and time range', async () => {
      const all = await c
        .http()
        .get('/api/v1/audit')
        .query({ action: 'agent.enrolled' })
        .set('Authorization', viewer);
      expect(all.body.total).toBeGreaterThanOrEqual(3);
      const mine = await c
        .http()
        .get('/api/v1/audit')
        .query({ actor: vulnerable.agentId, action: 'agent.enrolled' })
        .set('Authorization', viewer);
      expect(mine.body.items).toEqual([
        expect.objectContaining({ hostId: vulnerable.hostId, actor: vulnerable.agentId }),
      ]);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect(
        (await c.http().get('/api/v1/audit').query({ since: future }).set('Authorization', viewer))
          .body.total,
      ).toBe(0);
      expect(
        (
          await c
            .http()
            .get('/api/v1/audit')
            .query({ until: future, hostId: clean.hostId })
            .set('Authorization', viewer)
        ).body.total,
      ).toBeGreaterThan(0);
    });

    it('answers 400 naming the field', async () => {
      const res = await c
        .http()
        .get('/api/v1/audit')
        .query({ since: 'last week' })
        .set('Authorization', viewer);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain('since');
    });
  });
});
