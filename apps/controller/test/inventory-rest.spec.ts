import { randomUUID } from 'node:crypto';
import { baseSnapshot, vulnerableJvm } from '../src/inventory/inventory-fixtures';
import { TestAgent } from './support/agent-client';
import { seedHost } from './support/seed';
import { reportInventory } from './support/inventory-client';
import { startTestController, type TestController } from './support/test-controller';

const DAY = 86_400_000;

describe('inventory REST API (SQLite)', () => {
  let c: TestController;
  let admin: string;
  let operator: string;
  let viewer: string;
  let withInventory: TestAgent;
  let withoutInventory: TestAgent;
  let other: TestAgent;
  let firstId: string;
  let secondId: string;
  let otherId: string;

  beforeAll(async () => {
    c = await startTestController({ database: 'sqlite' });
    admin = `Bearer ${c.adminToken}`;
    operator = `Bearer ${await c.tokenFor('operator')}`;
    viewer = `Bearer ${await c.tokenFor('viewer')}`;
    withInventory = await seedHost(c, { hostname: 'web1' });
    withoutInventory = await seedHost(c, { hostname: 'web2' });
    other = await seedHost(c, { hostname: 'web3' });
    firstId = (
      await reportInventory(withInventory, {
        snapshot: baseSnapshot(),
        collectedAtMs: Date.now() - 2 * DAY,
      })
    ).snapshotId;
    secondId = (
      await reportInventory(withInventory, {
        snapshot: baseSnapshot({ jvms: [vulnerableJvm()] }),
        collectedAtMs: Date.now() - DAY,
      })
    ).snapshotId;
    otherId = (
      await reportInventory(other, { snapshot: baseSnapshot(), collectedAtMs: Date.now() - DAY })
    ).snapshotId;
  });

  afterAll(async () => {
    [withInventory, withoutInventory, other].forEach((a) => a?.close());
    await c?.close();
  });

  const get = (path: string, auth?: string) => {
    const req = c.http().get(path);
    return auth ? req.set('Authorization', auth) : req;
  };

  it('answers 401 without a valid token on every route', async () => {
    const id = withInventory.hostId;
    for (const path of [
      `/api/v1/hosts/${id}/inventory`,
      `/api/v1/hosts/${id}/inventory/history`,
      `/api/v1/hosts/${id}/inventory/diff?from=${firstId}&to=${secondId}`,
      `/api/v1/hosts/${id}/processes`,
      '/api/v1/inventory/hosts',
    ]) {
      expect((await get(path)).status).toBe(401);
      expect((await get(path, 'Bearer nope')).status).toBe(401);
    }
  });

  it('keeps full inventories and process lists (command lines carry secrets) from viewers', async () => {
    const id = withInventory.hostId;
    const denied = await get(`/api/v1/hosts/${id}/inventory`, viewer);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('operator');
    expect((await get(`/api/v1/hosts/${id}/processes`, viewer)).status).toBe(403);
    expect((await get(`/api/v1/hosts/${id}/inventory`, operator)).status).toBe(200);
    expect((await get(`/api/v1/hosts/${id}/inventory/history`, viewer)).status).toBe(200);
    expect((await get(`/api/v1/inventory/hosts`, viewer)).status).toBe(200);
  });

  it('answers 404 for an unknown host, a host without inventory, and a snapshot of another host', async () => {
    const unknown = randomUUID();
    expect((await get(`/api/v1/hosts/${unknown}/inventory`, admin)).status).toBe(404);
    expect((await get(`/api/v1/hosts/${unknown}/inventory/history`, admin)).status).toBe(404);
    const none = await get(`/api/v1/hosts/${withoutInventory.hostId}/inventory`, admin);
    expect(none.status).toBe(404);
    expect(none.body.message).toContain(withoutInventory.hostId);
    expect((await get(`/api/v1/hosts/${withoutInventory.hostId}/processes`, admin)).status).toBe(
      404,
    );
    expect(
      (
        await get(
          `/api/v1/hosts/${withInventory.hostId}/inventory/diff?from=${firstId}&to=${otherId}`,
          admin,
        )
      ).status,
    ).toBe(404);
  });

  it.each([
    ['a malformed host id', '/api/v1/hosts/not-a-uuid/inventory'],
    ['a diff without "to"', `/api/v1/hosts/HOST/inventory/diff?from=${randomUUID()}`],
    ['a diff with a malformed id', '/api/v1/hosts/HOST/inventory/diff?from=1&to=2'],
    ['a filter that is not a boolean', '/api/v1/inventory/hosts?runningVulnerableJvm=yes'],
    ['a date that is not ISO-8601', '/api/v1/inventory/hosts?notUpdatedSince=last%20week'],
    ['an unknown filter', '/api/v1/inventory/hosts?compromised=true'],
    ['a page size over the limit', '/api/v1/hosts/HOST/inventory/history?pageSize=501'],
  ])('answers 400 for %s', async (_what, path) => {
    expect((await get(path.replace('HOST', withInventory.hostId), admin)).status).toBe(400);
  });

  it('lists the history newest first without the snapshot bodies', async () => {
    const res = await get(
      `/api/v1/hosts/${withInventory.hostId}/inventory/history?pageSize=1`,
      viewer,
    );
    expect(res.body).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({
      id: secondId,
      runningVulnerableJvm: true,
      restartNeeded: true,
      changes: 2,
    });
    expect(res.body.items[0].inventory).toBeUndefined();
  });

  it('diffs two snapshots of a host: a jar swapped under a running JVM shows up, going back shows nothing new', async () => {
    const res = await get(
      `/api/v1/hosts/${withInventory.hostId}/inventory/diff?from=${firstId}&to=${secondId}`,
      viewer,
    );
    expect(res.status).toBe(200);
    expect(res.body.from.id).toBe(firstId);
    expect(res.body.changes.map((x: { kind: string }) => x.kind).sort()).toEqual([
      'restart_needed',
      'vulnerable_jar_running',
    ]);
    const back = await get(
      `/api/v1/hosts/${withInventory.hostId}/inventory/diff?from=${secondId}&to=${firstId}`,
      viewer,
    );
    expect(back.body.changes).toEqual([]);
  });

  it('shows the running JVMs with their findings and the jars that need a restart', async () => {
    const res = await get(`/api/v1/hosts/${withInventory.hostId}/processes`, operator);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ hostId: withInventory.hostId, snapshotId: secondId });
    expect(res.body.jvms).toHaveLength(1);
    expect(res.body.jvms[0]).toMatchObject({
      pid: 4321,
      user: 'app',
      main: '-jar /srv/app/app.jar',
      startedAt: new Date(Date.UTC(2026, 10, 20)).toISOString(),
      findings: [
        {
          path: '/srv/app/lib/log4j-core-2.14.1.jar',
          product: 'log4j-core',
          version: '2.14.1',
          status: 'vulnerable',
          source: 'open-file',
          staleReason: 'replaced',
        },
      ],
      restartNeeded: [
        {
          path: '/srv/app/lib/log4j-core-2.14.1.jar',
          reason: 'deleted',
          running: [{ version: '2.14.1', status: 'vulnerable' }],
        },
      ],
    });
  });

  it('filters hosts and returns their ids and names', async () => {
    const res = await get(
      '/api/v1/inventory/hosts?runningVulnerableJvm=true&restartNeeded=true',
      viewer,
    );
    expect(res.body.items).toEqual([
      expect.objectContaining({
        hostId: withInventory.hostId,
        hostname: 'web1',
        snapshotId: secondId,
      }),
    ]);
    const clean = await get('/api/v1/inventory/hosts?runningVulnerableJvm=false', viewer);
    expect(clean.body.items.map((h: { hostId: string }) => h.hostId)).toEqual([other.hostId]);
  });
});
