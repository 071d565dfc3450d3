import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentHost } from './support/agent-process';
import { AGENT_MAIN, ensureBuilt } from './support/build';
import { ControllerProcess } from './support/controller-process';
import { CORPUS, writeWar } from './support/fixtures';
import { eventually } from './support/ports';
import { cancelVerification } from './support/verification';

// Remediation end to end, as an operator drives it: the built controller and a bundled agent
// process over real gRPC; a fix through REST changes the war on disk (the agent's own scanner
// says so), refuses what it cannot fix, records the evidence, moves the host to remediated and
// queues the verification rescan; a restore puts the original bytes back.

jest.setTimeout(240_000);

interface CommandDto {
  id: string;
  kind: string;
  state: string;
  message: string | null;
  totalChunks: number | null;
}
interface AuditPage {
  items: Array<{ actor: string; details: { files: Array<Record<string, unknown>> } }>;
}

const FINAL = ['succeeded', 'failed', 'expired', 'cancelled', 'verified'];
const sha256 = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

describe('remediation: fix and restore through the REST API with a real agent', () => {
  let work: string;
  let controller: ControllerProcess;
  let agent: AgentHost;
  let hostId: string;
  let war: string;
  let old: string;
  let original: string;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'e2e-remediation-'));
    controller = await ControllerProcess.start({ type: 'sqlite', dir: work });
    agent = new AgentHost('fixer-1', path.join(work, 'fixer-1'));
    hostId = await agent.enrollWithNewToken(controller, 'e2e remediation');
    war = path.join(agent.dir, 'srv/shop/app.war');
    await writeWar(war, '2.14.1');
    old = path.join(agent.dir, 'srv/lib/log4j-core-2.17.0.jar');
    await mkdir(path.dirname(old), { recursive: true });
    await copyFile(path.join(CORPUS, 'log4j-core-2.17.0.jar'), old);
    original = await sha256(war);
    agent.startDaemon();
  });

  afterAll(async () => {
    await agent?.stop();
    await controller?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const ended = (id: string) =>
    eventually(
      `command ${id} to end`,
      async () => {
        const command = await controller.api<CommandDto>('GET', `/commands/${id}`);
        return FINAL.includes(command.state) ? command : undefined;
      },
      120_000,
    );
  const audit = (action: string) =>
    eventually(`${action} in the audit log`, async () => {
      const page = await controller.api<AuditPage>(
        'GET',
        `/audit?hostId=${hostId}&action=${action}`,
      );
      return page.items.length > 0 ? page.items : undefined;
    });
  /** The agent's own scanner on one file (it exits 1 for mitigated, 2 for vulnerable). */
  const agentScan = (file: string) => {
    const res = spawnSync(process.execPath, [AGENT_MAIN, 'scan', '--json', '--no-jvms', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return JSON.parse(res.stdout.split('\n')[0]) as { status: string; chain: string[] };
  };

  let dryRunId = '';

  it('dry run: the command succeeds, nothing changes on disk, no verification rescan', async () => {
    const command = await controller.api<CommandDto>('POST', `/hosts/${hostId}/remediate`, {
      paths: [war],
      dryRun: true,
    });
    expect(await ended(command.id)).toMatchObject({ kind: 'fix', state: 'succeeded' });
    expect(await sha256(war)).toBe(original);
    dryRunId = command.id;
  });

  it('fix: the war is fixed on disk, a 2.17.0 refused with the reason, the host remediated', async () => {
    const command = await controller.api<CommandDto>('POST', `/hosts/${hostId}/remediate`, {
      paths: [war, old],
    });
    expect(await ended(command.id)).toMatchObject({ state: 'succeeded', totalChunks: 1 });
    expect(await sha256(war)).not.toBe(original);
    expect(agentScan(war)).toMatchObject({
      status: 'mitigated',
      chain: [war, 'WEB-INF/lib/log4j-core-2.14.1.jar'],
    });
    const [event] = (await audit('fix.files')).filter(
      (e) => (e.details as unknown as { commandId: string }).commandId === command.id,
    );
    expect(event.details.files).toMatchObject([
      {
        path: war,
        outcome: 'fixed',
        removed: [
          `${war}!/WEB-INF/lib/log4j-core-2.14.1.jar!/org/apache/logging/log4j/core/lookup/JndiLookup.class`,
        ],
        sha256Before: original,
      },
      {
        path: old,
        outcome: 'refused',
        copies: [{ action: 'refused', refusal: 'upgrade-needed' }],
      },
    ]);
    const host = await controller.api<{ host: { status: string } }>('GET', `/hosts/${hostId}`);
    expect(['remediated', 'verified']).toContain(host.host.status);
    await cancelVerification(controller, hostId);
    // The fix's rescan was queued; the dry run before it changed nothing: no rescan for it.
    const verify = await controller.api<{ items: Array<{ name: string }> }>(
      'GET',
      '/campaigns?kind=verify',
    );
    expect(verify.items.some((c) => c.name.includes(command.id))).toBe(true);
    expect(verify.items.filter((c) => c.name.includes(dryRunId))).toEqual([]);
  });

  it('restore: the original bytes are back', async () => {
    const command = await controller.api<CommandDto>('POST', `/hosts/${hostId}/restore`, {
      paths: [war],
    });
    expect(await ended(command.id)).toMatchObject({ kind: 'restore', state: 'succeeded' });
    expect(await sha256(war)).toBe(original);
    const events = await audit('restore.files');
    expect(events[0].details.files).toMatchObject([{ path: war, outcome: 'restored' }]);
    expect(agentScan(war)).toMatchObject({ status: 'vulnerable' });
  });
});
