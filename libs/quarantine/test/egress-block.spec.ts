import { rmSync } from 'node:fs';
import type { QuarantineResult, ReleaseResult } from '../src';
import { ADDR, CONTROLLER_PORT, requireRoot, tcp, Topology, udp } from './support/netns';

/**
 * `egress-block` for real: LDAP, RMI and DNS to the attacker dropped over IPv4 and IPv6, DNS
 * to the named resolver (in the controller's namespace) and other traffic still pass.
 */
jest.setTimeout(120_000);

const topo = new Topology('egr');
const stateDir = `/tmp/${topo.host}-state`;

const BLOCKED = [
  tcp(ADDR.atk4, 1389),
  tcp(ADDR.atk6, 1389),
  tcp(ADDR.atk4, 1099),
  tcp(ADDR.atk6, 1099),
  tcp(ADDR.atk4, 53),
  udp(ADDR.atk4, 53),
  udp(ADDR.atk6, 53),
];
const PASSING = [
  tcp(ADDR.atk4, 8080),
  tcp(ADDR.atk6, 8080),
  udp(ADDR.ctl4, 53),
  udp(ADDR.ctl6, 53),
  tcp(ADDR.ctl4, 53),
  tcp(ADDR.ctl4, CONTROLLER_PORT),
  tcp(ADDR.ctl6, CONTROLLER_PORT),
];

beforeAll(async () => {
  requireRoot();
  await topo.start();
});

afterAll(() => {
  topo.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

function failing(r: Record<string, boolean>, expected: boolean): string[] {
  return Object.entries(r)
    .filter(([, v]) => v !== expected)
    .map(([k]) => k);
}

describe('egress-block', () => {
  it('before: everything answers', async () => {
    expect(failing(await topo.reach([...BLOCKED, ...PASSING]), true)).toEqual([]);
  });

  it('is verified, with a DNS probe to the attacker proven unanswered', async () => {
    const result = await topo.run<QuarantineResult>({
      op: 'apply',
      stateDir,
      spec: {
        mode: 'egress-block',
        controller: { host: ADDR.ctl6, port: CONTROLLER_PORT },
        resolvers: [ADDR.ctl4, ADDR.ctl6],
        probe: { address: ADDR.atk4, port: 53, protocol: 'udp' },
      },
    });
    if (result.state !== 'verified') throw new Error(`not verified: ${JSON.stringify(result)}`);
    expect(result.evidence.checks.map((c) => [c.name, c.ok])).toEqual([
      ['readback', true],
      ['controller', true],
      ['probe', true],
    ]);
    expect(result.evidence.resolvers).toEqual([ADDR.ctl4, ADDR.ctl6]);
    process.stdout.write(`egress-block timings (ms): ${JSON.stringify(result.evidence.timings)}\n`);
  });

  it('drops LDAP, RMI and DNS to the attacker over IPv4 and IPv6', async () => {
    expect(failing(await topo.reach(BLOCKED), false)).toEqual([]);
  });

  it('lets DNS to the named resolver, the controller and other traffic pass', async () => {
    expect(failing(await topo.reach(PASSING), true)).toEqual([]);
  });

  it('a probe that still answers fails the quarantine and rolls it back to the egress-block', async () => {
    const before = topo.exec(topo.host, 'nft', 'list', 'table', 'inet', 'log4fleet');
    const result = await topo.run<QuarantineResult>({
      op: 'apply',
      stateDir,
      spec: {
        mode: 'egress-block',
        controller: { host: ADDR.ctl4, port: CONTROLLER_PORT },
        resolvers: [ADDR.atk4],
        probe: { address: ADDR.atk4, port: 53, protocol: 'udp' },
      },
    });
    expect(result).toMatchObject({ state: 'failed', code: 'PROBE_REACHABLE', rolledBack: true });
    expect(topo.exec(topo.host, 'nft', 'list', 'table', 'inet', 'log4fleet')).toBe(before);
    expect(failing(await topo.reach([udp(ADDR.atk4, 53)]), false)).toEqual([]);
  });

  it('release lets everything through again', async () => {
    expect(await topo.run<ReleaseResult>({ op: 'release', stateDir })).toMatchObject({
      state: 'released',
    });
    expect(failing(await topo.reach([...BLOCKED, ...PASSING]), true)).toEqual([]);
  });
});
