import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentHost } from './support/agent-process';
import { ensureBuilt } from './support/build';
import { ControllerProcess } from './support/controller-process';
import { eventually } from './support/ports';

// Issue 14: a second agent enrolled on a machine with an active agent. It must never take the
// first over silently; the user is told what to do (replace it, or run one more with
// --instance), and a replaced agent stops (exit 77) instead of retrying for ever.

jest.setTimeout(180_000);

const EXIT_CONFIG = 78;
const EXIT_REVOKED = 77;
const MACHINE = 'e2e-shared-machine';

interface HostDetail {
  host: { id: string; hostname: string };
  agents: Array<{ id: string; revoked: boolean; connected: boolean }>;
}
interface TokenDto {
  id: string;
  token: string;
  uses: number;
}

describe('agents on one machine (built controller, bundled agents)', () => {
  let work: string;
  let controller: ControllerProcess;
  const agents: AgentHost[] = [];
  let first: AgentHost;
  let firstHostId: string;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'e2e-machine-'));
    controller = await ControllerProcess.start({ type: 'sqlite', dir: work });
    first = agentOnMachine('first');
    firstHostId = await first.enrollWithNewToken(controller, 'first');
    first.startDaemon();
    await connected(firstHostId);
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await controller?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** An agent of the shared machine, with a state directory of its own. */
  function agentOnMachine(dir: string): AgentHost {
    const agent = new AgentHost('web-1', path.join(work, dir), MACHINE);
    agents.push(agent);
    return agent;
  }

  const host = (id: string) => controller.api<HostDetail>('GET', `/hosts/${id}`);
  const newToken = (body: Record<string, unknown> = {}) =>
    controller.api<TokenDto>('POST', '/enrollment-tokens', { name: 'm', maxUses: 1, ...body });
  const uses = async (token: TokenDto) =>
    (await controller.api<TokenDto>('GET', `/enrollment-tokens/${token.id}`)).uses;

  async function connected(hostId: string, agentId?: string): Promise<HostDetail> {
    return eventually(`an agent of host ${hostId} connected`, async () => {
      const detail = await host(hostId);
      const agent = detail.agents.find((a) => (agentId ? a.id === agentId : !a.revoked));
      return agent?.connected ? detail : undefined;
    });
  }

  it('refuses a second agent with what to do; the first is neither revoked nor disturbed', async () => {
    const second = agentOnMachine('second');
    const token = await newToken();
    const refused = await second.enroll(controller.grpcUrl, token.token);
    expect(refused.code).toBe(EXIT_CONFIG);
    expect(refused.stderr).toContain('this machine already has an active agent');
    expect(refused.stderr).toContain('keeps running, untouched');
    expect(refused.stderr).toContain(`host ${firstHostId}`);
    // The two ways on, spelled out.
    expect(refused.stderr).toContain('log4fleet-agent enroll --force');
    expect(refused.stderr).toContain(`"replaceHostId": "${firstHostId}"`);
    expect(refused.stderr).toContain('--instance <name> --state-dir');
    expect(await uses(token)).toBe(0);
    const detail = await host(firstHostId);
    expect(detail.agents).toEqual([expect.objectContaining({ revoked: false, connected: true })]);
    expect(first.logLines().some((l) => l['msg'] === 'control stream ended')).toBe(false);
  });

  it('runs a second agent beside the first with enroll --instance, as a host of its own', async () => {
    const second = agentOnMachine('instance');
    const enrolled = await second.enroll(controller.grpcUrl, (await newToken()).token, [
      '--instance',
      'team-b',
    ]);
    expect(enrolled.code).toBe(0);
    expect(enrolled.stdout).toContain('(instance team-b of this machine)');
    const hostId = /host id (\S+)/.exec(enrolled.stdout)?.[1] ?? '';
    expect(hostId).not.toBe(firstHostId);
    second.startDaemon();
    // The daemon reads the instance from its state directory: its hello keeps the host's name.
    await connected(hostId);
    await eventually('the hello recorded', async () =>
      (await host(hostId)).host.hostname === 'web-1/team-b' ? true : undefined,
    );
    expect((await connected(firstHostId)).host.hostname).toBe('web-1');

    const bad = await agentOnMachine('bad').enroll(controller.grpcUrl, 'unused', [
      '--instance',
      'Team B',
    ]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('bad --instance "Team B"');
  });

  it("replaces the first agent the documented way (an admin's replacement token); the old one exits 77 and says why", async () => {
    const before = await host(firstHostId);
    const oldAgentId = before.agents[0].id;
    const successor = agentOnMachine('successor');
    const token = await newToken({ replaceHostId: firstHostId });
    const enrolled = await successor.enroll(controller.grpcUrl, token.token);
    expect(enrolled.code).toBe(0);
    expect(enrolled.stdout).toContain(`host id ${firstHostId}`);

    // It waits up to 10 s in case the successor is stored in its own state directory (an
    // `enroll --force` of its own), then stops for good.
    const result = await eventually('the replaced agent to exit', () => first.exit(), 30_000);
    expect(result.code).toBe(EXIT_REVOKED);
    expect(result.stderr).toMatch(/revoked agent .* \(replaced by agent [0-9a-f-]{36} at .+\)/);
    expect(result.stderr).not.toContain('"msg":"reconnecting"');

    successor.startDaemon();
    const after = await connected(firstHostId);
    expect(after.agents.find((a) => a.id === oldAgentId)).toMatchObject({ revoked: true });
  });
});
