import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentHost } from './support/agent-process';
import { ensureBuilt } from './support/build';
import { ControllerProcess } from './support/controller-process';
import { writeBrokenJars, writeWar } from './support/fixtures';
import { eventually } from './support/ports';

// Defect 4 of issue 13: a command interrupted by an agent restart (kill -9, OOM, reboot, an
// orderly SIGTERM) stayed `started` for ever. The built controller (SQLite) and one bundled
// agent process, killed while it scans (a tree of a few thousand files keeps it busy), then
// started again: the controller sends the started command again and it ends succeeded.

jest.setTimeout(180_000);

/** Enough files that the scan is still running when the agent is killed right after it starts. */
const BULK_FILES = 20_000;

interface CommandDto {
  id: string;
  state: string;
  totalChunks: number | null;
}

describe('a command interrupted by an agent restart runs again', () => {
  let work: string;
  let controller: ControllerProcess;
  let agent: AgentHost;
  let hostId: string;
  let target: string;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'e2e-restart-'));
    controller = await ControllerProcess.start({ type: 'sqlite', dir: work });
    agent = new AgentHost('restart-1', path.join(work, 'restart-1'));
    hostId = await agent.enrollWithNewToken(controller, 'e2e restart');
    target = path.join(agent.dir, 'srv');
    await writeWar(path.join(target, 'shop/app.war'), '2.14.1');
    await writeBrokenJars(path.join(target, 'bulk'), BULK_FILES);
  });

  afterAll(async () => {
    await agent?.stop();
    await controller?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function command(id: string): Promise<CommandDto> {
    return controller.api<CommandDto>('GET', `/commands/${id}`);
  }

  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'D4: a scan interrupted by %s is sent again on reconnect and ends succeeded',
    async (signal) => {
      agent.startDaemon();
      const scan = await controller.api<CommandDto>('POST', `/hosts/${hostId}/scans`, {
        paths: [target],
        threads: 1,
      });
      // Read as text: polled every few ms, the log may end in a line half written.
      const logged = (msg: string) =>
        agent.log
          .split('\n')
          .some((l) => l.includes(`"commandId":"${scan.id}"`) && l.includes(`"msg":"${msg}"`));
      await eventually(
        `the agent to start scan ${scan.id}`,
        () => (logged('scan started') ? true : undefined),
        60_000,
        5,
      );
      // Frozen mid-scan until the controller has the agent's "started" report, which the
      // agent may not have flushed yet: it runs on in short slices until then.
      agent.pause();
      await eventually(`the controller to see ${scan.id} started`, async () => {
        if ((await command(scan.id)).state === 'started') return true;
        agent.resume();
        await new Promise((resolve) => setTimeout(resolve, 20));
        agent.pause();
        return undefined;
      });
      // The kill comes mid-scan: the first run never finished it.
      expect(logged('scan finished')).toBe(false);
      const killed = agent.kill(signal);
      agent.resume(); // a stopped process takes SIGTERM once it runs again
      await killed;
      expect(logged('scan finished')).toBe(false);
      if (signal === 'SIGTERM')
        expect(
          logged('scan abandoned by shutdown; the controller will deliver the command again'),
        ).toBe(true);
      expect((await command(scan.id)).state).toBe('started');

      agent.log = '';
      agent.startDaemon();
      const done = await eventually(
        `command ${scan.id} to end after the restart`,
        async () => {
          const current = await command(scan.id);
          return ['succeeded', 'failed', 'expired', 'cancelled'].includes(current.state)
            ? current
            : undefined;
        },
        120_000,
      );
      expect(done).toMatchObject({ id: scan.id, state: 'succeeded' });
      expect(done.totalChunks).toBeGreaterThan(0);
      await agent.stop();
    },
  );
});
