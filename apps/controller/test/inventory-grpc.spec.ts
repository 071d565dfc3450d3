import { status } from '@grpc/grpc-js';
import { InventorySnapshot } from '@log4fleet/contracts';
import { baseSnapshot, vulnerableJvm } from '../src/inventory/inventory-fixtures';
import { TestAgent } from './support/agent-client';
import { seedHost } from './support/seed';
import { reportInventory } from './support/inventory-client';
import {
  startTestController,
  type TestController,
  type TestDatabase,
} from './support/test-controller';

const DAY = 86_400_000;

/** The second snapshot of the diff tests: a new sudo account, an update run and a new port. */
function changedSnapshot(): InventorySnapshot {
  const s = baseSnapshot();
  return {
    ...s,
    accounts: [
      ...s.accounts,
      { ...s.accounts[1], name: 'mallory', uid: 1002, privilegeReasons: ['member of sudo'] },
    ],
    updates: {
      ...s.updates!,
      lastUpdate: {
        atMs: Date.now() - DAY,
        file: '/var/log/apt/history.log',
        detail: 'Upgrade: openssl:amd64 (3.0.15, 3.0.16)',
      },
    },
    network: {
      ...s.network!,
      listening: [
        ...s.network!.listening,
        {
          protocol: 'tcp',
          address: '0.0.0.0',
          port: 8080,
          uid: 1001,
          processes: [{ pid: 4321, comm: 'java', uid: 1001, user: 'app' }],
        },
      ],
    },
  };
}

describe.each<TestDatabase>(['sqlite', 'postgres'])('inventory over gRPC on %s', (database) => {
  let c: TestController;
  let admin: string;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    c = await startTestController({ database });
    admin = `Bearer ${c.adminToken}`;
  });

  afterAll(async () => {
    agents.forEach((a) => a.close());
    await c?.close();
  });

  async function host(hostname?: string): Promise<TestAgent> {
    const agent = await seedHost(c, hostname ? { hostname } : {});
    agents.push(agent);
    return agent;
  }

  const auditActions = async (hostId: string): Promise<string[]> => {
    const res = await c
      .http()
      .get('/api/v1/audit')
      .query({ hostId, pageSize: 500 })
      .set('Authorization', admin);
    return (res.body.items as Array<{ action: string }>)
      .map((e) => e.action)
      .filter((a) => a.startsWith('inventory.'))
      .sort();
  };

  it('stores a snapshot once per (agent, collected_at_ms) and serves it as the latest inventory', async () => {
    const agent = await host();
    const at = Date.now() - 2 * DAY;
    const first = await reportInventory(agent, { snapshot: baseSnapshot(), collectedAtMs: at });
    expect(first).toMatchObject({ duplicate: false, changes: 0 });
    expect(await reportInventory(agent, { snapshot: baseSnapshot(), collectedAtMs: at })).toEqual({
      snapshotId: first.snapshotId,
      duplicate: true,
      changes: 0,
    });
    const latest = await c
      .http()
      .get(`/api/v1/hosts/${agent.hostId}/inventory`)
      .set('Authorization', admin);
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({
      id: first.snapshotId,
      hostId: agent.hostId,
      collectedAt: new Date(at).toISOString(),
      osName: 'Debian GNU/Linux',
      privilegedAccounts: ['alice', 'root'],
      runningVulnerableJvm: false,
    });
    expect(latest.body.inventory.accounts.map((a: { name: string }) => a.name)).toEqual([
      'root',
      'alice',
      'app',
    ]);
    expect(latest.body.inventory.network.listening[0]).toMatchObject({
      port: 22,
      processes: [{ comm: 'sshd' }],
    });
    const history = await c
      .http()
      .get(`/api/v1/hosts/${agent.hostId}/inventory/history`)
      .set('Authorization', admin);
    expect(history.body.total).toBe(1);
    expect(await auditActions(agent.hostId)).toEqual([]);
  });

  it('records one audit event per change: new sudo account, update run, new port', async () => {
    const agent = await host();
    await reportInventory(agent, { snapshot: baseSnapshot(), collectedAtMs: Date.now() - 2 * DAY });
    const second = await reportInventory(agent, {
      snapshot: changedSnapshot(),
      collectedAtMs: Date.now() - DAY,
    });
    expect(second).toMatchObject({ duplicate: false, changes: 4 });
    expect(await auditActions(agent.hostId)).toEqual([
      'inventory.account_added',
      'inventory.listening_port_opened',
      'inventory.packages_updated',
      'inventory.privileged_account_added',
    ]);
    const res = await c
      .http()
      .get('/api/v1/audit')
      .query({ hostId: agent.hostId, action: 'inventory.privileged_account_added' })
      .set('Authorization', admin);
    expect(res.body.items[0]).toMatchObject({
      actor: agent.agentId,
      details: {
        name: 'mallory',
        summary: 'privileged account mallory added (member of sudo)',
        snapshotId: second.snapshotId,
      },
    });
  });

  it('keeps a late, older snapshot in the history without recording its changes again', async () => {
    const agent = await host();
    await reportInventory(agent, { snapshot: baseSnapshot(), collectedAtMs: Date.now() - 3 * DAY });
    await reportInventory(agent, { snapshot: changedSnapshot(), collectedAtMs: Date.now() - DAY });
    const before = await auditActions(agent.hostId);
    const late = await reportInventory(agent, {
      snapshot: baseSnapshot({ jvms: [vulnerableJvm()] }),
      collectedAtMs: Date.now() - 2 * DAY,
    });
    expect(late.duplicate).toBe(false);
    expect(await auditActions(agent.hostId)).toEqual(before);
    const latest = await c
      .http()
      .get(`/api/v1/hosts/${agent.hostId}/inventory`)
      .set('Authorization', admin);
    expect(latest.body.privilegedAccounts).toEqual(['alice', 'mallory', 'root']);
    expect(
      (
        await c
          .http()
          .get(`/api/v1/hosts/${agent.hostId}/inventory/history`)
          .set('Authorization', admin)
      ).body.total,
    ).toBe(3);
  });

  it('stores a snapshot sent several times at once exactly once', async () => {
    const agent = await host();
    const req = { snapshot: baseSnapshot(), collectedAtMs: Date.now() - DAY };
    const answers = await Promise.all([1, 2, 3].map(() => reportInventory(agent, req)));
    expect(new Set(answers.map((a) => a.snapshotId)).size).toBe(1);
    expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
    expect(
      (
        await c
          .http()
          .get(`/api/v1/hosts/${agent.hostId}/inventory/history`)
          .set('Authorization', admin)
      ).body.total,
    ).toBe(1);
  });

  it('refuses an unauthenticated call and a nonsensical snapshot, storing nothing', async () => {
    const agent = await host();
    await expect(
      reportInventory(
        agent,
        { snapshot: baseSnapshot(), collectedAtMs: Date.now() },
        agent.metadata(`${agent.agentId}.wrong`),
      ),
    ).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(
      reportInventory(agent, { snapshot: baseSnapshot(), collectedAtMs: 42 }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('collected_at_ms'),
    });
    const tooMany = baseSnapshot({
      accounts: Array.from({ length: 4097 }, (_, i) => ({
        ...baseSnapshot().accounts[2],
        name: `u${i}`,
      })),
    });
    await expect(
      reportInventory(agent, { snapshot: tooMany, collectedAtMs: Date.now() }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('accounts has 4097 entries'),
    });
    expect(
      (await c.http().get(`/api/v1/hosts/${agent.hostId}/inventory`).set('Authorization', admin))
        .status,
    ).toBe(404);
  });

  it('finds hosts by their latest inventory', async () => {
    const runningVulnerable = await host('inv-vuln');
    const patchedNoRestart = await host('inv-restart');
    const quiet = await host('inv-quiet');
    const old = Date.now() - 10 * DAY;
    await reportInventory(runningVulnerable, {
      snapshot: baseSnapshot({ jvms: [vulnerableJvm({ restartNeeded: [] })] }),
      collectedAtMs: Date.now() - DAY,
    });
    await reportInventory(patchedNoRestart, {
      snapshot: baseSnapshot({ jvms: [vulnerableJvm({ findings: [] })] }),
      collectedAtMs: Date.now() - DAY,
    });
    await reportInventory(quiet, { snapshot: baseSnapshot(), collectedAtMs: old });
    await reportInventory(quiet, {
      snapshot: changedSnapshot(),
      collectedAtMs: Date.now() - 2 * DAY,
    });
    const query = async (q: Record<string, string>) => {
      const res = await c
        .http()
        .get('/api/v1/inventory/hosts')
        .query({ pageSize: 500, ...q })
        .set('Authorization', admin);
      expect(res.status).toBe(200);
      return (res.body.items as Array<{ hostId: string }>).map((h) => h.hostId);
    };
    expect(await query({ runningVulnerableJvm: 'true' })).toEqual(
      expect.arrayContaining([runningVulnerable.hostId]),
    );
    expect(await query({ runningVulnerableJvm: 'true' })).not.toContain(patchedNoRestart.hostId);
    expect(await query({ restartNeeded: 'true' })).toContain(patchedNoRestart.hostId);
    expect(await query({ restartNeeded: 'true' })).not.toContain(runningVulnerable.hostId);
    const since = new Date(Date.now() - 5 * DAY).toISOString();
    expect(await query({ privilegedAddedSince: since })).toContain(quiet.hostId);
    expect(await query({ privilegedAddedSince: since })).not.toContain(runningVulnerable.hostId);
    // baseSnapshot's last update is 2026-11-01; changedSnapshot's one day ago.
    const notUpdated = await query({
      notUpdatedSince: new Date(Date.now() - 3 * DAY).toISOString(),
    });
    expect(notUpdated).toEqual(
      expect.arrayContaining([runningVulnerable.hostId, patchedNoRestart.hostId]),
    );
    expect(notUpdated).not.toContain(quiet.hostId);
    expect(
      await query({
        runningVulnerableJvm: 'true',
        notUpdatedSince: new Date(Date.now() - 3 * DAY).toISOString(),
      }),
    ).toContain(runningVulnerable.hostId);
  });
});
