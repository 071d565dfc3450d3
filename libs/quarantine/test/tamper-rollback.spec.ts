import { existsSync, rmSync } from 'node:fs';
import type { CheckResult, QuarantineResult, ReleaseResult } from '../src';
import { ADDR, CONTROLLER_PORT, requireRoot, tcp, Topology } from './support/netns';

/**
 * A quarantine that someone undoes comes back and is reported; one that cannot be proven
 * rolls back by itself to what was there before; missing tools and permissions fail clearly.
 */
jest.setTimeout(120_000);

const topo = new Topology('tmp');
const stateDir = `/tmp/${topo.host}-state`;
const ISOLATE = {
  mode: 'isolate',
  controller: { host: ADDR.ctl4, port: CONTROLLER_PORT },
} as const;
const attackerLdap = tcp(ADDR.atk4, 1389);
const attackerWeb = tcp(ADDR.atk4, 8080);

beforeAll(async () => {
  requireRoot();
  await topo.start();
});

afterAll(() => {
  topo.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

async function reachable(target = attackerLdap): Promise<boolean> {
  return Object.values(await topo.reach([target]))[0] ?? false;
}

function table(): string {
  return topo.exec(topo.host, 'nft', 'list', 'ruleset');
}

describe('tampering', () => {
  let hash = '';

  it('isolate is verified and the attacker unreachable', async () => {
    const result = await topo.run<QuarantineResult>({ op: 'apply', stateDir, spec: ISOLATE });
    if (result.state !== 'verified') throw new Error(`not verified: ${JSON.stringify(result)}`);
    hash = result.evidence.rulesetHash;
    expect(await reachable()).toBe(false);
  });

  it('nft flush ruleset: the attacker answers again until check() puts the table back and reports it', async () => {
    topo.exec(topo.host, 'nft', 'flush', 'ruleset');
    expect(await reachable()).toBe(true);
    const result = await topo.run<CheckResult>({ op: 'check', stateDir });
    expect(result).toMatchObject({
      state: 'restored',
      rulesetHash: hash,
      tamper: { kind: 'missing', foundHash: null },
    });
    expect(await reachable()).toBe(false);
    expect(await topo.run<CheckResult>({ op: 'check', stateDir })).toEqual({
      state: 'intact',
      rulesetHash: hash,
    });
  });

  it('a rule slipped into the table is reported as a change and removed', async () => {
    // Someone opens a hole for one peer, both ways.
    topo.nft(
      topo.host,
      `insert rule inet log4fleet output ip daddr ${ADDR.atk4} accept\ninsert rule inet log4fleet input ip saddr ${ADDR.atk4} accept\n`,
    );
    expect(await reachable()).toBe(true);
    const result = await topo.run<CheckResult>({ op: 'check', stateDir });
    expect(result).toMatchObject({ state: 'restored', tamper: { kind: 'changed' } });
    expect(result.state === 'restored' && result.tamper.detail).toContain(
      `unexpected: rule output`,
    );
    expect(await reachable()).toBe(false);
  });

  it('a firewall service restart (its config flushes the ruleset) while the agent is down: back at the next start', async () => {
    // What `systemctl restart nftables` runs: Debian's /etc/nftables.conf starts with "flush ruleset".
    topo.nft(
      topo.host,
      'flush ruleset\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n}\n',
    );
    expect(table()).not.toContain('log4fleet');
    const result = await topo.run<CheckResult>({ op: 'reapply', stateDir });
    expect(result).toMatchObject({ state: 'restored', tamper: { kind: 'missing' } });
    expect(table()).toContain('table inet filter');
    expect(await reachable()).toBe(false);
  });

  it('after a reboot (a new boot id) the missing table is put back as reapplied, not as tampering', async () => {
    topo.exec(topo.host, 'nft', 'delete', 'table', 'inet', 'log4fleet');
    const result = await topo.run<CheckResult>({
      op: 'reapply',
      stateDir,
      bootId: 'the-next-boot',
    });
    expect(result).toEqual({ state: 'reapplied', rulesetHash: hash });
    expect(await reachable()).toBe(false);
    // The new boot is remembered: the same boot losing the table again is tampering.
    topo.exec(topo.host, 'nft', 'delete', 'table', 'inet', 'log4fleet');
    const again = await topo.run<CheckResult>({ op: 'check', stateDir, bootId: 'the-next-boot' });
    expect(again).toMatchObject({ state: 'restored', tamper: { kind: 'missing' } });
  });

  it('release leaves the other table alone', async () => {
    expect(await topo.run<ReleaseResult>({ op: 'release', stateDir })).toMatchObject({
      state: 'released',
      tableWasPresent: true,
    });
    expect(table()).not.toContain('log4fleet');
    expect(table()).toContain('table inet filter');
    expect(existsSync(`${stateDir}/quarantine.json`)).toBe(false);
    expect(await reachable()).toBe(true);
  });
});

describe('prove failure rolls back', () => {
  it('no previous table: an isolate pinned to another controller address fails and leaves no table', async () => {
    const result = await topo.run<QuarantineResult>({
      op: 'apply',
      stateDir,
      spec: { ...ISOLATE, controller: { host: ADDR.otherCtl4, port: CONTROLLER_PORT } },
      // The real controller is the one that must answer; the rules only let the other one through.
      checkController: { address: ADDR.ctl4, port: CONTROLLER_PORT },
      deadlineMs: 3_000,
    });
    expect(result).toMatchObject({
      state: 'failed',
      code: 'CONTROLLER_UNREACHABLE',
      rolledBack: true,
    });
    expect(result.state === 'failed' && result.reason).toMatch(/did not answer within 3000 ms/);
    process.stdout.write(
      `rollback (no previous table) timings (ms): ${JSON.stringify(result.state === 'failed' && result.timings)}\n`,
    );
    expect(table()).not.toContain('log4fleet');
    expect(await reachable()).toBe(true);
    expect(await topo.run<CheckResult>({ op: 'check', stateDir })).toEqual({ state: 'none' });
  });

  it('over an egress-block: the failed isolate leaves the egress-block exactly as it was, still checked', async () => {
    const first = await topo.run<QuarantineResult>({
      op: 'apply',
      stateDir,
      spec: { mode: 'egress-block', controller: { host: ADDR.ctl4, port: CONTROLLER_PORT } },
    });
    if (first.state !== 'verified') throw new Error(`not verified: ${JSON.stringify(first)}`);
    const before = table();
    const result = await topo.run<QuarantineResult>({
      op: 'apply',
      stateDir,
      spec: { ...ISOLATE, controller: { host: ADDR.otherCtl4, port: CONTROLLER_PORT } },
      checkController: { address: ADDR.ctl4, port: CONTROLLER_PORT },
      deadlineMs: 3_000,
    });
    expect(result).toMatchObject({
      state: 'failed',
      code: 'CONTROLLER_UNREACHABLE',
      rolledBack: true,
    });
    const rollback =
      result.state === 'failed'
        ? result.checks.find((c) => c.name === 'rollback-readback')
        : undefined;
    expect(rollback).toMatchObject({
      ok: true,
      detail: expect.stringContaining(first.evidence.rulesetHash) as unknown,
    });
    process.stdout.write(
      `rollback (over egress-block) timings (ms): ${JSON.stringify(result.state === 'failed' && result.timings)}\n`,
    );
    expect(table()).toBe(before);
    expect(await reachable(attackerLdap)).toBe(false);
    expect(await reachable(attackerWeb)).toBe(true);
    expect(await topo.run<CheckResult>({ op: 'check', stateDir })).toEqual({
      state: 'intact',
      rulesetHash: first.evidence.rulesetHash,
    });
    await topo.run<ReleaseResult>({ op: 'release', stateDir });
  });
});

describe('clear failures, never an empty success', () => {
  it('nft missing', async () => {
    const result = await topo.run<QuarantineResult>({
      op: 'apply',
      stateDir,
      spec: ISOLATE,
      nft: '/nonexistent/nft',
    });
    expect(result).toMatchObject({ state: 'failed', code: 'NFT_MISSING', rolledBack: true });
    expect(result.state === 'failed' && result.reason).toMatch(
      /not installed \(install the nftables package\)/,
    );
    expect(
      await topo.run<ReleaseResult>({ op: 'release', stateDir, nft: '/nonexistent/nft' }),
    ).toMatchObject({ state: 'failed', code: 'NFT_MISSING' });
    expect(await topo.run<CheckResult>({ op: 'check', stateDir, nft: '/nonexistent/nft' })).toEqual(
      { state: 'none' },
    );
  });

  it('no permission (an unprivileged user)', async () => {
    const result = await topo.run<QuarantineResult>(
      { op: 'apply', stateDir: '/tmp', spec: ISOLATE },
      '65534',
    );
    expect(result).toMatchObject({ state: 'failed', code: 'NO_PERMISSION', rolledBack: true });
    expect(result.state === 'failed' && result.reason).toMatch(/root or CAP_NET_ADMIN/);
    expect(table()).not.toContain('log4fleet');
  });

  it('rules the kernel rejects: nothing of the transaction is applied', async () => {
    const result = await topo.run<{ ok: boolean; code?: string; message?: string }>({
      op: 'raw-apply',
      transaction: {
        nftables: [
          { add: { table: { family: 'inet', name: 'log4fleet' } } },
          {
            add: {
              chain: {
                family: 'inet',
                table: 'log4fleet',
                name: 'input',
                type: 'filter',
                hook: 'input',
                prio: 0,
                policy: 'drop',
              },
            },
          },
          {
            add: {
              rule: { family: 'inet', table: 'log4fleet', chain: 'nope', expr: [{ accept: null }] },
            },
          },
        ],
      },
    });
    expect(result).toMatchObject({ ok: false, code: 'RULES_REJECTED' });
    expect(table()).not.toContain('log4fleet');
  });
});
