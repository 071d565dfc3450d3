import { canonicalFromListing, canonicalFromRuleset } from './canonical';
import { buildRuleset, replaceTransaction } from './ruleset';
import { normalizeSpec } from './normalize-spec';
import type { RulesetPlan } from './types';

const BASE: RulesetPlan = {
  mode: 'isolate',
  controllerAddresses: ['10.0.0.1', 'fd00::1'],
  controllerPort: 50051,
  allowlist: [],
  resolvers: [],
};

/** The rules as short strings: chain, what they match, the verdict. */
function summary(plan: RulesetPlan): string[] {
  return buildRuleset(plan).rules.map((r) => `${r.chain} ${JSON.stringify(r.expr)}`);
}

describe('buildRuleset', () => {
  it.each([
    ['isolate', ['input:drop', 'output:drop', 'forward:drop']],
    ['egress-block', ['output:accept', 'forward:accept']],
  ] as const)('%s: base chains and policies', (mode, chains) => {
    const rs = buildRuleset({ ...BASE, mode });
    expect(rs.chains.map((c) => `${c.hook}:${c.policy}`)).toEqual(chains);
  });

  it('isolate pins every controller address, per family, and accepts its replies only when established', () => {
    const rules = buildRuleset({
      ...BASE,
      controllerAddresses: ['10.0.0.1', '10.0.0.2', 'fd00::1'],
    }).rules.filter((r) => r.comment.includes('controller'));
    expect(rules.map((r) => `${r.chain} ${JSON.stringify(r.expr)}`)).toEqual([
      'output [{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"set":["10.0.0.1","10.0.0.2"]}}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":50051}},{"accept":null}]',
      'input [{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":{"set":["10.0.0.1","10.0.0.2"]}}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"sport"}},"right":50051}},{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":"established"}},{"accept":null}]',
      'output [{"match":{"op":"==","left":{"payload":{"protocol":"ip6","field":"daddr"}},"right":"fd00::1"}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":50051}},{"accept":null}]',
      'input [{"match":{"op":"==","left":{"payload":{"protocol":"ip6","field":"saddr"}},"right":"fd00::1"}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"sport"}},"right":50051}},{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":"established"}},{"accept":null}]',
    ]);
  });

  it('isolate has no blanket established accept: every ct state match is tied to an allowed peer or is ICMP', () => {
    const spec = normalizeSpec({
      mode: 'isolate',
      controller: { host: '10.0.0.1', port: 50051 },
      allowlist: [{ cidr: '192.168.1.0/24', protocol: 'tcp', port: 22 }],
    });
    const rs = buildRuleset({ ...BASE, allowlist: spec.allowlist });
    for (const rule of rs.rules) {
      const text = JSON.stringify(rule.expr);
      if (!text.includes('"ct"')) continue;
      expect(text).toMatch(/"(saddr|daddr)"|"icmp","ipv6-icmp"/);
    }
  });

  it.each([
    [
      { cidr: '192.168.1.7', protocol: 'tcp', port: 22 },
      ['output', 'input', 'input', 'output'],
      '"192.168.1.7"',
    ],
    [
      { cidr: '10.1.2.3/8', protocol: 'udp', port: 123 },
      ['output', 'input', 'input', 'output'],
      '{"prefix":{"addr":"10.0.0.0","len":8}}',
    ],
    [
      { cidr: '2001:db8:0:0::/32', protocol: 'tcp' },
      ['output', 'input'],
      '{"prefix":{"addr":"2001:db8::","len":32}}',
    ],
  ] as const)('allowlist %j: both directions, host bits cleared', (entry, chains, peer) => {
    const { allowlist } = normalizeSpec({
      mode: 'isolate',
      controller: { host: '10.0.0.1', port: 1 },
      allowlist: [entry],
    });
    const rules = buildRuleset({ ...BASE, allowlist }).rules.filter((r) =>
      r.comment.includes('allowlist[0]'),
    );
    expect(rules.map((r) => r.chain)).toEqual(chains);
    for (const r of rules) expect(JSON.stringify(r.expr)).toContain(peer);
  });

  it('egress-block drops LDAP, RMI and DNS over TCP and UDP in output and forward, after the named resolvers', () => {
    const lines = summary({ ...BASE, mode: 'egress-block', resolvers: ['10.0.0.53', 'fd00::53'] });
    const drops = lines.filter((l) => l.includes('"drop"'));
    expect(drops).toHaveLength(2);
    for (const d of drops)
      expect(d).toContain('"right":{"set":[53,389,636,1098,1099,1389,3268,3269]}');
    expect(drops.map((d) => d.split(' ')[0])).toEqual(['output', 'forward']);
    const output = lines.filter((l) => l.startsWith('output'));
    const resolverIdx = output.findIndex((l) => l.includes('10.0.0.53'));
    const dropIdx = output.findIndex((l) => l.includes('"drop"'));
    expect(resolverIdx).toBeGreaterThan(-1);
    expect(resolverIdx).toBeLessThan(dropIdx);
    expect(output.some((l) => l.includes('"fd00::53"'))).toBe(true);
  });

  it('egress-block without resolvers blocks DNS everywhere', () => {
    const lines = summary({ ...BASE, mode: 'egress-block' });
    expect(lines.filter((l) => l.includes('"th","field":"dport"},"right":53'))).toEqual([]);
  });

  it('is deterministic: the same plan gives the same canonical hash', () => {
    expect(canonicalFromRuleset(buildRuleset(BASE)).hash).toBe(
      canonicalFromRuleset(buildRuleset({ ...BASE })).hash,
    );
    expect(canonicalFromRuleset(buildRuleset(BASE)).hash).not.toBe(
      canonicalFromRuleset(buildRuleset({ ...BASE, controllerPort: 443 })).hash,
    );
  });

  it('the transaction touches only inet log4fleet', () => {
    const tx = replaceTransaction(buildRuleset(BASE));
    for (const cmd of tx.nftables) {
      const body = Object.values(
        Object.values(cmd)[0] as Record<string, { table?: string; name?: string; family?: string }>,
      )[0];
      expect(body?.family).toBe('inet');
      expect(body?.table ?? body?.name).toBe('log4fleet');
    }
  });
});

describe('canonicalFromListing', () => {
  it('sees through the forms nft prints: sorted sets, one-element sets, handles', () => {
    const meant = canonicalFromRuleset(
      buildRuleset({ ...BASE, controllerAddresses: ['10.0.0.2', '10.0.0.1'] }),
    );
    const tx = replaceTransaction(
      buildRuleset({ ...BASE, controllerAddresses: ['10.0.0.1', '10.0.0.2'] }),
    );
    const listing = {
      nftables: [
        { metainfo: { version: '1.0.6' } },
        ...tx.nftables.slice(2).map((c, i) => {
          const [[kind, body]] = Object.entries((c as { add: Record<string, object> }).add);
          return { [kind]: { ...body, handle: i + 1 } };
        }),
      ],
    };
    expect(canonicalFromListing(listing)?.hash).toBe(meant.hash);
  });

  it('a rule added by someone else, or another table, is a difference or ignored as it should', () => {
    const tx = replaceTransaction(buildRuleset(BASE));
    const items = tx.nftables.slice(2).map((c) => (c as { add: object }).add);
    const meant = canonicalFromListing({ nftables: items });
    const extra = {
      rule: { family: 'inet', table: 'log4fleet', chain: 'input', expr: [{ accept: null }] },
    };
    expect(canonicalFromListing({ nftables: [...items, extra] })?.hash).not.toBe(meant?.hash);
    const other = {
      rule: { family: 'inet', table: 'firewalld', chain: 'input', expr: [{ accept: null }] },
    };
    expect(canonicalFromListing({ nftables: [...items, other] })?.hash).toBe(meant?.hash);
    expect(canonicalFromListing({ nftables: [{ metainfo: {} }] })).toBeNull();
  });
});
