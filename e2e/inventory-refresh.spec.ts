import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentHost } from './support/agent-process';
import { ensureBuilt, REPO_ROOT } from './support/build';
import { ControllerProcess } from './support/controller-process';
import { CORPUS } from './support/fixtures';
import { eventually } from './support/ports';

// Issue 14: /hosts/:id/processes showed the snapshot of the last connect (or of 6 h ago): a
// processes scan that found a running JVM left `jvms: []`, with no way to refresh. The built
// controller, the bundled agent and a real JVM holding a vulnerable log4j jar.

jest.setTimeout(180_000);

const HOLD_SRC = path.join(REPO_ROOT, 'libs/jvm-probe/test/fixtures/Hold.java');

interface Processes {
  snapshotId: string;
  jvms: Array<{ pid: number; findings: Array<{ path: string; status: string }> }>;
}
interface Refresh {
  deliveredTo: string;
  reachedAgent: boolean;
  previousSnapshotId: string | null;
}

/** Starts Hold with `jar` open and resolves once it printed "ready". */
function startHold(classes: string, jar: string): Promise<ChildProcess> {
  const child = spawn('java', ['-Xmx32m', '-XX:+UseSerialGC', '-cp', classes, 'Hold', jar], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`Hold exited early with ${code}`)));
    setTimeout(() => reject(new Error('Hold did not start within 60 s')), 60_000).unref();
  });
}

describe('running JVMs and inventory kept fresh (real agent, real JVM)', () => {
  let work: string;
  let controller: ControllerProcess;
  let agent: AgentHost;
  let jvm: ChildProcess | undefined;
  let hostId: string;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'e2e-inventory-'));
    execFileSync('javac', ['-d', work, HOLD_SRC], { timeout: 120_000 });
    controller = await ControllerProcess.start({ type: 'sqlite', dir: work });
    agent = new AgentHost('jvm-1', path.join(work, 'jvm-1'));
    hostId = await agent.enrollWithNewToken(controller, 'inventory');
  });

  afterAll(async () => {
    if (jvm && jvm.exitCode === null && jvm.signalCode === null) jvm.kill('SIGKILL');
    await agent?.stop();
    await controller?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const processes = () => controller.api<Processes>('GET', `/hosts/${hostId}/processes`);
  const heldBy = (view: Processes, pid: number | undefined) =>
    view.jvms.find((j) => j.pid === pid);

  it('a processes scan that finds a JVM refreshes /processes; an operator refresh shows it gone', async () => {
    agent.startDaemon();
    // The snapshot of the connect, taken before the JVM started.
    const first = await eventually('the snapshot sent on connect', () =>
      processes().catch(() => undefined),
    );
    const jar = path.join(work, 'app-lib.jar');
    copyFileSync(path.join(CORPUS, 'log4j-core-2.14.1.jar'), jar);
    jvm = await startHold(work, jar);
    const pid = jvm.pid;
    expect(heldBy(first, pid)).toBeUndefined();

    const scan = await controller.api<{ id: string }>('POST', `/hosts/${hostId}/scans`, {
      processesOnly: true,
    });
    await eventually('the processes scan to succeed', async () => {
      const command = await controller.api<{ state: string }>('GET', `/commands/${scan.id}`);
      if (command.state === 'failed') throw new Error(`the scan failed: ${JSON.stringify(command)}`);
      return command.state === 'succeeded' ? true : undefined;
    });
    // Without anyone asking, the agent sends a snapshot after a scan that inspected processes.
    const afterScan = await eventually('the JVM in /processes after the scan', async () => {
      const view = await processes();
      return heldBy(view, pid) ? view : undefined;
    });
    expect(afterScan.snapshotId).not.toBe(first.snapshotId);
    expect(heldBy(afterScan, pid)?.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: jar, status: 'vulnerable' })]),
    );

    // The JVM stops; an operator asks for a fresh inventory now.
    jvm.kill('SIGKILL');
    await new Promise<void>((resolve) => jvm?.once('exit', () => resolve()));
    const refresh = await controller.api<Refresh>(
      'POST',
      `/hosts/${hostId}/inventory/refresh`,
      {},
    );
    expect(refresh).toMatchObject({
      deliveredTo: 'local',
      reachedAgent: true,
      previousSnapshotId: afterScan.snapshotId,
    });
    const refreshed = await eventually('a fresh snapshot after the refresh', async () => {
      const view = await processes();
      return view.snapshotId !== afterScan.snapshotId ? view : undefined;
    });
    expect(heldBy(refreshed, pid)).toBeUndefined();
    expect(agent.log).toContain('inventory requested by the controller');
  });
});
