import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AgentHost } from './support/agent-process';
import { ensureBuilt } from './support/build';
import { ControllerProcess } from './support/controller-process';
import { eventually } from './support/ports';

// Command signing for real: the built controller (SQLite) signs, a bundled agent process
// verifies. Rotation goes through the REST API; a controller that signs with a key the agent
// no longer (or never) trusted is simulated by editing the key chain in the database while the
// controller is stopped: restored from an old backup, or another fleet's controller.

jest.setTimeout(180_000);

interface CommandDto {
  id: string;
  state: string;
  message: string | null;
}
interface KeyDto {
  generation: number;
  publicKey: string;
  current: boolean;
}

describe('command signing between the real controller and a real agent', () => {
  let work: string;
  let controller: ControllerProcess;
  let agent: AgentHost;
  let hostId: string;
  let target: string;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'e2e-signing-'));
    controller = await ControllerProcess.start({ type: 'sqlite', dir: work });
    agent = new AgentHost('signed-1', path.join(work, 'signed-1'));
    target = path.join(agent.dir, 'srv');
    await mkdir(target, { recursive: true });
  });

  afterAll(async () => {
    await agent?.stop();
    await controller?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function pinnedKey(): Promise<string> {
    const raw = await readFile(path.join(agent.stateDir, 'credentials.json'), 'utf8');
    return (JSON.parse(raw) as { commandSigningKey: string }).commandSigningKey;
  }

  async function currentKey(): Promise<KeyDto> {
    const keys = await controller.api<KeyDto[]>('GET', '/command-signing-keys');
    const current = keys.find((k) => k.current);
    if (!current) throw new Error(`no current key in ${JSON.stringify(keys)}`);
    return current;
  }

  async function scanOutcome(): Promise<CommandDto> {
    const command = await controller.api<CommandDto>('POST', `/hosts/${hostId}/scans`, {
      paths: [target],
      threads: 1,
      processes: false,
    });
    try {
      return await eventually(`command ${command.id} to end`, async () => {
        const now = await controller.api<CommandDto>('GET', `/commands/${command.id}`);
        return now.state === 'succeeded' || now.state === 'failed' ? now : undefined;
      });
    } catch (err) {
      process.stderr.write(
        `agent:\n${agent.log.slice(-4000)}\ncontroller:\n${controller.log.slice(-4000)}\n`,
      );
      throw err;
    }
  }

  function editKeys(sql: string): void {
    const db = new Database(path.join(work, 'controller.sqlite'));
    try {
      db.prepare(sql).run();
    } finally {
      db.close();
    }
  }

  it('pins the controller key at enrollment and runs a signed scan', async () => {
    hostId = await agent.enrollWithNewToken(controller, 'signing');
    expect(await pinnedKey()).toBe((await currentKey()).publicKey);
    agent.startDaemon();
    expect(await scanOutcome()).toMatchObject({ state: 'succeeded' });
  });

  it('rotation through REST: the connected agent follows and runs commands signed by the new key', async () => {
    const before = await currentKey();
    const rotated = await controller.api<KeyDto>('POST', '/command-signing-keys/rotate');
    expect(rotated).toMatchObject({ generation: before.generation + 1, current: true });
    expect(rotated.publicKey).not.toBe(before.publicKey);
    await eventually('the agent to pin the new key', async () =>
      (await pinnedKey()) === rotated.publicKey ? true : undefined,
    );
    expect(agent.log).toContain('controller rotated its command-signing key');
    expect(await scanOutcome()).toMatchObject({ state: 'succeeded' });
    const audit = await controller.api<{ items: Array<{ action: string }> }>(
      'GET',
      '/audit?action=command-signing-key.rotated',
    );
    expect(audit.items.map((e) => e.action)).toContain('command-signing-key.rotated');
  });

  it('after rotation, a command signed with the old key is refused (controller restored from an old backup)', async () => {
    await controller.stop();
    editKeys('DELETE FROM command_signing_keys WHERE generation = 2');
    await controller.start();
    const refused = await scanOutcome();
    expect(refused.state).toBe('failed');
    expect(refused.message).toMatch(/command refused \(foreign\)/);
    expect(agent.log).toMatch(/command refused \(foreign\)/);
  });

  it("refuses a command signed by another controller's key", async () => {
    await controller.stop();
    editKeys('DELETE FROM command_signing_keys');
    await controller.start();
    const other = await currentKey();
    expect(other.generation).toBe(1);
    expect(other.publicKey).not.toBe(await pinnedKey());
    const refused = await scanOutcome();
    expect(refused.state).toBe('failed');
    expect(refused.message).toMatch(/command refused \(foreign\)/);
  });
});
