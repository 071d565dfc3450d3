import { rmSync } from 'node:fs';
import type { CheckResult, QuarantineResult, ReleaseResult } from '../src';
import { ADDR, CONTROLLER_PORT, requireRoot, tcp, Topology, udp } from './support/netns';

/**
 * `isolate` for real, in namespaces this file creates: the controller stays reachable over
 * IPv4 and IPv6, the attacker does not, a session opened before is cut, release restores.
 */
jest.setTimeout(120_000);

const topo = new Topology('iso');
const stateDir = `/tmp/${topo.host}-state`;
const controllerName = 'controller.test';
const lookup = { [controllerName]: [ADDR.ctl6, ADDR.ctl4] };

const ATTACKER = [
  tcp(ADDR.atk4, 1389),
  tcp(ADDR.atk6, 1389),
  tcp(ADDR.atk4, 1099),
  tcp(ADDR.atk6, 1099),
  tcp(ADDR.atk4, 53),
  udp(ADDR.atk4, 53),
  udp(ADDR.atk6, 53),
  tcp(ADDR.atk6, 8080),
];
const CONTROLLER = [tcp(ADDR.ctl4, CONTROLLER_PORT), tcp(ADDR.ctl6, CONTROLLER_PORT)];
/**
 * The host's own firewall, as many are: stateful, with the blanket "established" accept that
 * keeps an attacker's session alive under other tools' quarantines. Ours must cut it anyway.
 */
const FOREIGN_TABLE =
  'table inet hostfw {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tct state established,related accept\n\t\ttcp dport 9999 accept\n\t}\n}\n';

beforeAll(async () => {
  requireRoot();
  await topo.start();
  // A firewall table of the host's own: quarantine and release must leave it as it is.
  topo.nft(topo.host, FOREIGN_TABLE);
});

afterAll(() => {
  topo.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

function allValues(r: Record<string, boolean>, value: boolean): string[] {
  return Object.entries(r)
    .filter(([, v]) => v !== value)
    .map(([k]) => k);
}

describe('isolate', () => {
  let verified: Extract<QuarantineResult, { state: 'verified' }>;
  let session: Awaited<ReturnType<Topology['session']>>;

  it('before: the attacker and the controller both answer over IPv4 and IPv6', async () => {
    const r = await topo.reach([...ATTACKER, ...CONTROLLER]);
    expect(allValues(r, true)).toEqual([]);
    session = await topo.session(tcp(ADDR.atk4, 1389));
    expect(await session.ping()).toBe(true);
  });

  it('a controller name that does not resolve fails clearly and applies nothing', async () => {
    const result = await topo.run<QuarantineResult>({
      op: 'apply',
      stateDir,
      lookup,
      spec: { mode: 'isolate', controller: { host: 'nowhere.test', port: CONTROLLER_PORT } },
    });
    expect(result).toMatchObject({ state: 'failed', code: 'RESOLVE_FAILED', rolledBack: true });
    expect(result.state === 'failed' && result.reason).toMatch(/nowhere.test does not resolve/);
    expect(topo.exec(topo.host, 'nft', 'list', 'tables')).not.toContain('log4fleet');
  });

  it('is verified with the controller name pinned as its IPv4 and IPv6 addresses', async () => {
    const result = await topo.run<QuarantineResult>({
      op: 'apply',
      stateDir,
      lookup,
      spec: {
        mode: 'isolate',
        controller: { host: controllerName, port: CONTROLLER_PORT },
        allowlist: [{ cidr: `${ADDR.atk4}/32`, protocol: 'tcp', port: 8080 }],
        probe: { address: ADDR.atk4, port: 1389, protocol: 'tcp' },
      },
    });
    if (result.state !== 'verified') throw new Error(`not verified: ${JSON.stringify(result)}`);
    verified = result;
    const { evidence } = result;
    expect(evidence.controller.addresses).toEqual([ADDR.ctl4, ADDR.ctl6]);
    expect(evidence.checks.map((c) => [c.name, c.ok])).toEqual([
      ['readback', true],
      ['controller', true],
      ['probe', true],
    ]);
    expect(evidence.rulesetHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(evidence.ruleset).toContain('table inet log4fleet');
    expect(evidence.flowsCut).toBeGreaterThanOrEqual(1);
    process.stdout.write(`isolate timings (ms): ${JSON.stringify(evidence.timings)}\n`);
  });

  it('keeps the controller and the allowlisted port, drops the attacker over IPv4 and IPv6', async () => {
    const r = await topo.reach([...CONTROLLER, tcp(ADDR.atk4, 8080)]);
    expect(allValues(r, true)).toEqual([]);
    const blocked = await topo.reach(ATTACKER);
    expect(allValues(blocked, false)).toEqual([]);
  });

  it('cut the TCP session to the attacker that was open before', async () => {
    expect(await session.ping()).toBe(false);
    const flows = topo.exec(
      topo.host,
      'conntrack',
      '-L',
      '-d',
      ADDR.atk4,
      '-p',
      'tcp',
      '--dport',
      '1389',
    );
    expect(flows.trim()).toBe('');
  });

  it('left the host firewall table untouched', () => {
    expect(topo.exec(topo.host, 'nft', 'list', 'table', 'inet', 'hostfw')).toBe(FOREIGN_TABLE);
  });

  it('check() finds the table intact and persisted', async () => {
    const result = await topo.run<CheckResult>({ op: 'check', stateDir });
    expect(result).toEqual({ state: 'intact', rulesetHash: verified.evidence.rulesetHash });
  });

  it('release removes exactly its table and everything answers again', async () => {
    const result = await topo.run<ReleaseResult>({ op: 'release', stateDir });
    expect(result).toMatchObject({ state: 'released', tableWasPresent: true });
    expect(topo.exec(topo.host, 'nft', 'list', 'tables').trim()).toBe('table inet hostfw');
    expect(topo.exec(topo.host, 'nft', 'list', 'table', 'inet', 'hostfw')).toBe(FOREIGN_TABLE);
    const r = await topo.reach([...ATTACKER, ...CONTROLLER]);
    expect(allValues(r, true)).toEqual([]);
    expect(await topo.run<CheckResult>({ op: 'check', stateDir })).toEqual({ state: 'none' });
    session.close();
  });

  it('a second release says there was no table, and is no error', async () => {
    const result = await topo.run<ReleaseResult>({ op: 'release', stateDir });
    expect(result).toMatchObject({ state: 'released', tableWasPresent: false });
  });
});
