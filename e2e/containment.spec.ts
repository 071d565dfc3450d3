import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt } from './support/build';
import { NET, NetnsFleet, requireNetnsRoot, type NetnsAgent, type Target } from './support/netns';
import { eventually } from './support/ports';

// Containment for real: the built controller in one network namespace, real agent processes
// (root, as installed) in others, an attacker with LDAP 1389, RMI 1099, DNS 53 and 8080 over
// IPv4 and IPv6 in a third; everything driven through the REST API as an admin would.

jest.setTimeout(300_000);

interface Containment {
  state: string;
  mode: string | null;
  commandId: string | null;
  detail: Record<string, unknown>;
}
interface HostDto {
  id: string;
  status: string;
  lastSeenAt: string | null;
  containment: Containment | null;
}
interface CommandDto {
  id: string;
  state: string;
  message: string | null;
}
interface AuditEvent {
  action: string;
  actor: string;
  details: Record<string, unknown>;
}

const tcp = (address: string, port: number): Target => ({ protocol: 'tcp', address, port });
const udp = (address: string, port: number): Target => ({ protocol: 'udp', address, port });
const ATTACKER: Target[] = [
  tcp(NET.atk4, 1389),
  tcp(NET.atk6, 1389),
  tcp(NET.atk4, 1099),
  tcp(NET.atk6, 1099),
  tcp(NET.atk4, 53),
  udp(NET.atk4, 53),
  udp(NET.atk6, 53),
];
const OTHER: Target[] = [tcp(NET.atk4, 8080), tcp(NET.atk6, 8080)];

function differing(r: Record<string, boolean>, expected: boolean): string[] {
  return Object.entries(r)
    .filter(([, v]) => v !== expected)
    .map(([k]) => k);
}

describe('containment: quarantine and release through the REST API, agents in network namespaces', () => {
  let work: string;
  let fleet: NetnsFleet;
  let agent: NetnsAgent;
  let hostId: string;
  const timings: Record<string, number> = {};

  const host = async (id = hostId): Promise<HostDto> =>
    (await fleet.api<{ host: HostDto }>('GET', `/hosts/${id}`)).host;
  const command = (id: string): Promise<CommandDto> =>
    fleet.api<CommandDto>('GET', `/commands/${id}`);
  const containmentIs = (state: string, id = hostId) =>
    eventually(
      `host ${id} containment ${state}`,
      async () => {
        const h = await host(id);
        return h.containment?.state === state ? h : undefined;
      },
      90_000,
      200,
    ).catch(async (err: Error) => {
      const h = await host(id).catch(() => null);
      throw new Error(
        `${err.message}: ${JSON.stringify(h?.containment)}\nagent: ${agent.log.slice(-4000)}\ncontroller: ${fleet.controllerLog.slice(-2000)}`,
      );
    });
  const audit = async (action: string): Promise<AuditEvent[]> =>
    (
      await fleet.api<{ items: AuditEvent[] }>(
        'GET',
        `/audit?hostId=${hostId}&action=${action}&pageSize=100`,
      )
    ).items;

  beforeAll(async () => {
    requireNetnsRoot();
    ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'l4f-contain-'));
    fleet = new NetnsFleet(work, 3);
    await fleet.start();
    agent = fleet.agent(0);
    hostId = await agent.enroll();
    agent.start();
    // Online: its first heartbeat came after the enrollment's (enrollment sets lastSeenAt too).
    await eventually('the agent online', () =>
      /control stream connected/.test(agent.log) ? true : undefined,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\nagent: ${agent.log.slice(-3000)}\ncontroller: ${fleet.controllerLog.slice(-3000)}`,
      );
    });
  });

  afterAll(async () => {
    process.stdout.write(`containment timings (ms): ${JSON.stringify(timings)}\n`);
    await agent?.stop();
    await fleet?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('before: the attacker answers over IPv4 and IPv6', () => {
    expect(differing(fleet.reach(agent.ns, [...ATTACKER, ...OTHER]), true)).toEqual([]);
  });

  it('isolate: verified with evidence, the attacker unreachable, the stream still carries a scan', async () => {
    // A session to the attacker opened before the quarantine (an exploit's LDAP callback).
    const session = await fleet.session(agent.ns, tcp(NET.atk4, 1389));
    expect(await session.ping()).toBe(true);
    const started = Date.now();
    const created = await fleet.api<CommandDto>('POST', `/hosts/${hostId}/quarantine`, {
      mode: 'isolate',
      probe: { address: NET.atk4, port: 1389, protocol: 'tcp' },
      reason: 'vulnerable log4j-core 2.14.1 found',
      ticket: 'INC-4711',
    });
    const h = await containmentIs('verified');
    timings['isolate POST to verified'] = Date.now() - started;
    expect(h.status).toBe('quarantined');
    expect(h.containment).toMatchObject({ mode: 'isolate', commandId: created.id });
    const evidence = h.containment!.detail['evidence'] as Record<string, unknown>;
    expect(evidence['rulesetHash']).toMatch(/^sha256:/);
    expect(evidence['controller']).toMatchObject({ addresses: [NET.ctl4], port: NET.grpcPort });
    expect(
      (evidence['checks'] as Array<{ name: string; ok: boolean }>).map((c) => [c.name, c.ok]),
    ).toEqual([
      ['readback', true],
      ['controller', true],
      ['probe', true],
    ]);
    expect(differing(fleet.reach(agent.ns, [...ATTACKER, ...OTHER]), false)).toEqual([]);
    expect(await session.ping()).toBe(false);
    session.close();
    const requested = await audit('containment.requested');
    expect(requested[0]).toMatchObject({
      details: { reason: 'vulnerable log4j-core 2.14.1 found', ticket: 'INC-4711' },
    });
    expect(await audit('containment.verified')).toHaveLength(1);

    const scan = await fleet.api<CommandDto>('POST', `/hosts/${hostId}/scans`, {
      paths: [agent.stateDir],
    });
    await eventually('the scan after the isolate to succeed', async () =>
      (await command(scan.id)).state === 'succeeded' ? true : undefined,
    );
  });

  it('nft flush ruleset on the host: the agent puts the table back and the controller shows tampering', async () => {
    fleet.exec(agent.ns, 'nft', 'flush', 'ruleset');
    const h = await containmentIs('tampered');
    expect(h.containment!.detail).toMatchObject({
      report: 'tampered',
      kind: 'missing',
      restoredByAgent: true,
    });
    expect(differing(fleet.reach(agent.ns, ATTACKER), false)).toEqual([]);
  });

  it('agent restart with the table flushed while it was down: back at start, reported', async () => {
    const before = (await audit('containment.tampered')).length;
    await agent.stop();
    fleet.exec(agent.ns, 'nft', 'flush', 'ruleset');
    expect(differing(fleet.reach(agent.ns, [tcp(NET.atk4, 1389)]), true)).toEqual([]);
    agent.start();
    await eventually('a second tampering report', async () =>
      (await audit('containment.tampered')).length > before ? true : undefined,
    );
    expect(differing(fleet.reach(agent.ns, ATTACKER), false)).toEqual([]);
  });

  it('release restores everything', async () => {
    const started = Date.now();
    await fleet.api<CommandDto>('POST', `/hosts/${hostId}/release`, {
      reason: 'patched to 2.17.1',
      ticket: 'INC-4711',
    });
    const h = await containmentIs('released');
    timings['release POST to released'] = Date.now() - started;
    expect(h.status).toBe('released');
    expect(fleet.exec(agent.ns, 'nft', 'list', 'ruleset')).not.toContain('log4fleet');
    expect(differing(fleet.reach(agent.ns, [...ATTACKER, ...OTHER]), true)).toEqual([]);
  });

  it('an isolate that locks the controller out rolls back by itself within its deadline: failed, host as before', async () => {
    const started = Date.now();
    const created = await fleet.api<CommandDto>('POST', `/hosts/${hostId}/quarantine`, {
      mode: 'isolate',
      controllerAddresses: [NET.otherCtl4],
      deadlineSeconds: 5,
    });
    const h = await containmentIs('failed');
    timings['failing isolate POST to failed'] = Date.now() - started;
    expect(h.containment!.commandId).toBe(created.id);
    expect(String(h.containment!.detail['reason'])).toMatch(
      /CONTROLLER_UNREACHABLE.*rolled back: the host is as before/,
    );
    expect((await command(created.id)).state).toBe('failed');
    expect(fleet.exec(agent.ns, 'nft', 'list', 'ruleset')).not.toContain('log4fleet');
    expect(differing(fleet.reach(agent.ns, [...ATTACKER, ...OTHER]), true)).toEqual([]);
  });

  it('egress-block: LDAP, RMI and DNS to the attacker dropped, DNS to the named resolver and other traffic pass', async () => {
    await fleet.api<CommandDto>('POST', `/hosts/${hostId}/quarantine`, {
      mode: 'egress-block',
      resolvers: [NET.ctl4],
      probe: { address: NET.atk4, port: 53, protocol: 'udp' },
    });
    await containmentIs('verified');
    expect(differing(fleet.reach(agent.ns, ATTACKER), false)).toEqual([]);
    expect(
      differing(fleet.reach(agent.ns, [...OTHER, udp(NET.ctl4, 53), tcp(NET.ctl4, 53)]), true),
    ).toEqual([]);
    await fleet.api<CommandDto>('POST', `/hosts/${hostId}/release`, {});
    await containmentIs('released');
  });

  it('a quarantine campaign over three agents reaches verified on each', async () => {
    const others = [fleet.agent(1), fleet.agent(2)];
    const ids = [hostId];
    for (const a of others) {
      ids.push(await a.enroll());
      a.start();
    }
    const started = Date.now();
    const campaign = await fleet.api<{ id: string }>('POST', '/campaigns', {
      name: 'contain the fleet',
      kind: 'quarantine',
      params: { mode: 'egress-block', resolvers: [NET.ctl4] },
      selector: { hostIds: ids },
    });
    for (const id of ids) await containmentIs('verified', id);
    timings['campaign of 3 POST to all verified'] = Date.now() - started;
    expect(campaign.id).toBeDefined();
    for (const a of [agent, ...others])
      expect(differing(fleet.reach(a.ns, [tcp(NET.atk4, 1389), udp(NET.atk6, 53)]), false)).toEqual(
        [],
      );
    await Promise.all(others.map((a) => a.stop()));
  });
});
