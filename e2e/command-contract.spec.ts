import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AgentHost } from './support/agent-process';
import { ensureBuilt } from './support/build';
import { ControllerProcess } from './support/controller-process';
import { writeBrokenJars, writeWar } from './support/fixtures';
import { eventually } from './support/ports';
import { cancelVerification } from './support/verification';

// The contract between the two ends, with no fake on either side: the built controller
// (SQLite) and the bundled agent process (its real CommandExecutor and AgentDaemon over real
// gRPC), every kind (scan, fix, restore: add each new kind here) through every state a command
// can end in.

jest.setTimeout(180_000);

interface CommandDto {
  id: string;
  kind: string;
  state: string;
  message: string | null;
  totalChunks: number | null;
  deliveredTo?: string;
  timestamps: Record<string, string>;
}

const FINAL = ['succeeded', 'failed', 'expired', 'cancelled', 'verified'];

describe('command contract: real agent executor against the real controller', () => {
  let work: string;
  let controller: ControllerProcess;
  let agent: AgentHost;
  let hostId: string;
  let srv: string;
  let bulk: string;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'e2e-contract-'));
    controller = await ControllerProcess.start({ type: 'sqlite', dir: work });
    agent = new AgentHost('contract-1', path.join(work, 'contract-1'));
    hostId = await agent.enrollWithNewToken(controller, 'e2e contract');
    srv = path.join(agent.dir, 'srv');
    await writeWar(path.join(srv, 'shop/app.war'), '2.14.1');
    bulk = path.join(agent.dir, 'bulk');
    await writeBrokenJars(bulk, 20_000);
  });

  afterAll(async () => {
    await agent?.stop();
    await controller?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const get = (id: string) => controller.api<CommandDto>('GET', `/commands/${id}`);
  const scan = (body: object) =>
    controller.api<CommandDto>('POST', `/hosts/${hostId}/scans`, { threads: 1, ...body });
  const ended = (id: string) =>
    eventually(`command ${id} to end`, async () => {
      const command = await get(id);
      return FINAL.includes(command.state) ? command : undefined;
    });
  const agentLogged = (id: string, msg: string) =>
    agent.log
      .split('\n')
      .some((l) => l.includes(`"commandId":"${id}"`) && l.includes(`"msg":"${msg}"`));

  it('scan: queued -> delivered -> started -> succeeded', async () => {
    const command = await scan({ paths: [srv] });
    expect(command).toMatchObject({ kind: 'scan', state: 'queued', deliveredTo: 'not-connected' });
    agent.startDaemon();
    const done = await ended(command.id);
    expect(done).toMatchObject({ state: 'succeeded', totalChunks: 1 });
    expect(Object.keys(done.timestamps).sort()).toEqual(
      ['queued', 'delivered', 'started', 'succeeded'].sort(),
    );
    const pushed = await scan({ paths: [srv] });
    expect(pushed.deliveredTo).toBe('local');
    expect(await ended(pushed.id)).toMatchObject({ state: 'succeeded' });
  });

  it('scan: failed, with the reason, when the agent cannot run it', async () => {
    const command = await scan({ paths: [srv], exclude: ['/x/[[:bogus:]]'] });
    const done = await ended(command.id);
    expect(done).toMatchObject({ state: 'failed' });
    expect(done.message).toMatch(/Invalid exclude pattern.*bogus/);
  });

  it('scan: cancelled through REST while it runs, and the agent stops it', async () => {
    const command = await scan({ paths: [bulk] });
    await eventually(
      `the agent to start ${command.id}`,
      () => (agentLogged(command.id, 'scan started') ? true : undefined),
      60_000,
      5,
    );
    agent.pause(); // the scan waits, mid-way, for the cancel
    const cancelled = await controller.api<CommandDto>('POST', `/commands/${command.id}/cancel`);
    expect(cancelled.state).toBe('cancelled');
    agent.resume();
    await eventually(`the agent to cancel ${command.id}`, () =>
      agentLogged(command.id, 'command cancelled') ? true : undefined,
    );
    // The agent reports CANCELLED, which the controller takes: the stream stays (a controller
    // that refused the state ended it, and the agent re-sent the report on every new stream).
    expect(await get(command.id)).toMatchObject({ state: 'cancelled' });
    await eventually(`the agent to report ${command.id} cancelled`, () =>
      agentLogged(command.id, 'command cancelled') ? true : undefined,
    );
    const after = await scan({ paths: [srv] });
    expect(await ended(after.id)).toMatchObject({ state: 'succeeded' });
    expect(agent.log).not.toContain('control stream ended');
    expect(agentLogged(command.id, 'scan finished')).toBe(false);
  });

  it('scan: cancelled through REST while queued, and never run', async () => {
    await agent.stop();
    const command = await scan({ paths: [srv] });
    expect(command.deliveredTo).toBe('not-connected');
    const cancelled = await controller.api<CommandDto>('POST', `/commands/${command.id}/cancel`);
    expect(cancelled).toMatchObject({ state: 'cancelled' });
    agent.log = '';
    agent.startDaemon();
    const after = await scan({ paths: [srv] });
    expect(await ended(after.id)).toMatchObject({ state: 'succeeded' });
    expect(agent.log).not.toContain(command.id);
    expect(await get(command.id)).toMatchObject({ state: 'cancelled' });
  });

  it('scan: expired when its expiry passed before it could be delivered', async () => {
    await agent.stop();
    const command = await scan({ paths: [srv] });
    // An expiry an hour ago (the API takes at least 60 s): written where the controller keeps it.
    const db = new Database(path.join(work, 'controller.sqlite'));
    try {
      db.prepare('UPDATE commands SET expires_at = ? WHERE id = ?').run(
        new Date(Date.now() - 3_600_000).toISOString(),
        command.id,
      );
    } finally {
      db.close();
    }
    agent.log = '';
    agent.startDaemon();
    // Expired by the controller before delivery: never sent, never run.
    expect(await ended(command.id)).toMatchObject({ state: 'expired' });
    expect(agentLogged(command.id, 'scan started')).toBe(false);
    expect(agent.log).not.toContain('control stream ended');
  });
  const remediate = (body: object) =>
    controller.api<CommandDto>('POST', `/hosts/${hostId}/remediate`, body);
  it('fix and restore: queued -> delivered -> started -> succeeded, one result chunk each', async () => {
    const war = path.join(agent.dir, 'fix/app.war');
    await writeWar(war, '2.14.1');
    const fix = await remediate({ paths: [war] });
    expect(fix).toMatchObject({ kind: 'fix', state: 'queued' });
    const fixed = await ended(fix.id);
    expect(fixed).toMatchObject({ state: 'succeeded', totalChunks: 1 });
    expect(Object.keys(fixed.timestamps)).toEqual(
      expect.arrayContaining(['queued', 'delivered', 'started', 'succeeded']),
    );
    await cancelVerification(controller, hostId);
    const restore = await controller.api<CommandDto>('POST', `/hosts/${hostId}/restore`, {
      paths: [war],
      fixCommandId: fix.id,
    });
    expect(await ended(restore.id)).toMatchObject({
      kind: 'restore',
      state: 'succeeded',
      totalChunks: 1,
    });
    await cancelVerification(controller, hostId);
  });

  it('fix: failed, with the reason, when the agent cannot run it', async () => {
    const command = await remediate({ paths: ['relative/app.war'] });
    const done = await ended(command.id);
    expect(done).toMatchObject({ kind: 'fix', state: 'failed' });
    expect(done.message).toMatch(/fix.paths\[0\].*not absolute/);
  });

  it('fix: expired when its expiry passed before it could be delivered, never run', async () => {
    await agent.stop();
    const command = await remediate({ paths: [path.join(agent.dir, 'fix/app.war')] });
    const db = new Database(path.join(work, 'controller.sqlite'));
    try {
      db.prepare('UPDATE commands SET expires_at = ? WHERE id = ?').run(
        new Date(Date.now() - 3_600_000).toISOString(),
        command.id,
      );
    } finally {
      db.close();
    }
    agent.log = '';
    agent.startDaemon();
    expect(await ended(command.id)).toMatchObject({ state: 'expired' });
    expect(agent.log).not.toContain(command.id);
  });
});
