import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentHost } from './support/agent-process';
import { ensureBuilt } from './support/build';
import { ControllerProcess } from './support/controller-process';
import {
  compileProbeService,
  type JavaService,
  LOG4J_CORE,
  startJavaService,
} from './support/java-service';
import { eventually } from './support/ports';

// The canary probe end to end (issue 18): the built controller, a real agent process and real
// JVM HTTP services with log4j on loopback. The controller signs a probe command, the agent
// probes its own listener, the JVM looks up the marked header, the agent's loopback LDAP
// responder gets the callback, and the controller marks the host exploitable with the evidence.

jest.setTimeout(240_000);

interface CommandDto {
  id: string;
  state: string;
  message: string | null;
}
interface Evidence {
  port: number;
  location: string;
  field: string;
  form: string;
  protocol: string;
  pid: number | null;
}
interface HostProbes {
  state: {
    exploitable: boolean;
    lastVerdict: string;
    exploitableCommandId: string | null;
    evidence: Evidence[];
    confirmedCleanCommandId: string | null;
  } | null;
  runs: Array<{
    commandId: string;
    verdict: string;
    targets: Array<{ port: number; outcome: string }>;
    findings: Evidence[];
  }>;
}

describe('probe: a real agent probes a real JVM service on loopback', () => {
  let work: string;
  let controller: ControllerProcess;
  let agent: AgentHost;
  let hostId: string;
  let vulnerable: JavaService;
  const services: JavaService[] = [];

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'e2e-probe-'));
    compileProbeService(work);
    controller = await ControllerProcess.start({ type: 'sqlite', dir: work });
    agent = new AgentHost('probe-1', path.join(work, 'probe-1'));
    hostId = await agent.enrollWithNewToken(controller, 'e2e probe');
    agent.startDaemon();
    vulnerable = await startJavaService(work, LOG4J_CORE.vulnerable, 'X-Api-Version');
    services.push(vulnerable);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await agent?.stop();
    await controller?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const probe = (body: object) =>
    controller.api<CommandDto>('POST', `/hosts/${hostId}/probe`, { ratePerSecond: 100, ...body });
  const ended = (id: string) =>
    eventually(
      `command ${id} to end`,
      async () => {
        const c = await controller.api<CommandDto>('GET', `/commands/${id}`);
        return ['succeeded', 'failed', 'cancelled', 'expired'].includes(c.state) ? c : undefined;
      },
      120_000,
    );
  const probes = () => controller.api<HostProbes>('GET', `/hosts/${hostId}/probes`);
  const completed = (id: string) =>
    eventually(`probe ${id} to complete`, async () => {
      const p = await probes();
      return p.runs.find((r) => r.commandId === id && r.verdict !== '') ? p : undefined;
    });

  it('a callback marks the host exploitable, naming the port, header and form, with the JVM as evidence', async () => {
    const command = await probe({ targets: [{ port: vulnerable.port }] });
    expect(await ended(command.id)).toMatchObject({ state: 'succeeded' });

    const after = await completed(command.id);
    expect(after.state).toMatchObject({
      exploitable: true,
      lastVerdict: 'exploitable',
      exploitableCommandId: command.id,
    });
    expect(new Set(after.state!.evidence.map((e) => `${e.port} ${e.location} ${e.field}`))).toEqual(
      new Set([`${vulnerable.port} header X-Api-Version`]),
    );
    expect(after.state!.evidence).toContainEqual(
      expect.objectContaining({ form: 'plain', protocol: 'ldap', pid: vulnerable.pid }),
    );
    expect(after.runs[0].verdict).toBe('exploitable');
    expect(after.runs[0].targets).toEqual([
      expect.objectContaining({ port: vulnerable.port, outcome: 'probed' }),
    ]);

    const detail = await controller.api<{ probe: HostProbes['state'] }>('GET', `/hosts/${hostId}`);
    expect(detail.probe?.exploitable).toBe(true);
    const audit = await controller.api<{
      items: Array<{ action: string; details: Record<string, unknown> }>;
    }>('GET', `/audit?hostId=${hostId}&pageSize=100`);
    const actions = audit.items.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['probe.requested', 'probe.completed', 'host.probe-exploitable']),
    );
  });

  it('refuses a target that is not an address of the host, and audits the refusal', async () => {
    await expect(
      probe({ targets: [{ address: '192.0.2.10', port: vulnerable.port }] }),
    ).rejects.toThrow(/HTTP 400 .*probe targets 192\.0\.2\.10:\d+ are not addresses of host/);
    const audit = await controller.api<{ items: Array<{ action: string }> }>(
      'GET',
      `/audit?hostId=${hostId}&action=probe.refused`,
    );
    expect(audit.items).toHaveLength(1);
  });

  it('after the service is remediated (2.17.1 on the same port), a probe with no callback confirms it', async () => {
    const port = vulnerable.port;
    await vulnerable.stop();
    services.push(await startJavaService(work, LOG4J_CORE.fixed, 'X-Api-Version', port));

    const command = await probe({ targets: [{ port }] });
    expect(await ended(command.id)).toMatchObject({ state: 'succeeded' });

    const after = await completed(command.id);
    expect(after.runs[0]).toMatchObject({
      commandId: command.id,
      verdict: 'no-callback',
      findings: [],
    });
    expect(after.state).toMatchObject({
      exploitable: false,
      lastVerdict: 'no-callback',
      evidence: [],
      confirmedCleanCommandId: command.id,
    });
  });
});
