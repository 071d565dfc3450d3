import { flowAllowed, parseConntrack } from './flows';
import type { RulesetPlan } from './types';

const LOCAL = new Set(['10.0.0.2', 'fd00::2']);
const ISOLATE: RulesetPlan = {
  mode: 'isolate',
  controllerAddresses: ['10.0.0.1', 'fd00::1'],
  controllerPort: 50051,
  allowlist: [{ family: 4, address: '192.168.0.0', prefix: 16, protocol: 'tcp', port: 22 }],
  resolvers: [],
};
const EGRESS: RulesetPlan = {
  ...ISOLATE,
  mode: 'egress-block',
  allowlist: [],
  resolvers: ['10.0.0.53'],
};

describe('parseConntrack', () => {
  it('reads the original direction of tcp, udp and icmp entries', () => {
    const text = [
      'tcp      6 431999 ESTABLISHED src=10.0.0.2 dst=10.9.0.2 sport=40000 dport=1389 src=10.9.0.2 dst=10.0.0.2 sport=1389 dport=40000 [ASSURED] mark=0 use=1',
      'udp      17 29 src=10.0.0.2 dst=10.0.0.53 sport=5353 dport=53 [UNREPLIED] src=10.0.0.53 dst=10.0.0.2 sport=53 dport=5353 mark=0 use=1',
      'icmp     1 29 src=10.0.0.2 dst=10.9.0.2 type=8 code=0 id=7 src=10.9.0.2 dst=10.0.0.2 type=0 code=0 id=7 mark=0 use=1',
      'conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.',
    ].join('\n');
    expect(parseConntrack(text, 4)).toEqual([
      { family: 4, protocol: 'tcp', src: '10.0.0.2', dst: '10.9.0.2', sport: 40000, dport: 1389 },
      { family: 4, protocol: 'udp', src: '10.0.0.2', dst: '10.0.0.53', sport: 5353, dport: 53 },
      { family: 4, protocol: 'icmp', src: '10.0.0.2', dst: '10.9.0.2' },
    ]);
  });
});

describe('flowAllowed', () => {
  it.each([
    ['isolate: to the controller port', ISOLATE, 'tcp', '10.0.0.2', '10.0.0.1', 50051, true],
    ['isolate: to the controller over IPv6', ISOLATE, 'tcp', 'fd00::2', 'fd00::1', 50051, true],
    [
      'isolate: to the controller on another port',
      ISOLATE,
      'tcp',
      '10.0.0.2',
      '10.0.0.1',
      22,
      false,
    ],
    [
      'isolate: the controller opening a flow in',
      ISOLATE,
      'tcp',
      '10.0.0.1',
      '10.0.0.2',
      50051,
      false,
    ],
    ['isolate: attacker LDAP session', ISOLATE, 'tcp', '10.0.0.2', '10.9.0.2', 1389, false],
    [
      'isolate: admin SSH in from the allowlist',
      ISOLATE,
      'tcp',
      '192.168.4.4',
      '10.0.0.2',
      22,
      true,
    ],
    ['isolate: admin prefix, other port', ISOLATE, 'tcp', '192.168.4.4', '10.0.0.2', 80, false],
    ['isolate: loopback between own addresses', ISOLATE, 'tcp', '10.0.0.2', '10.0.0.2', 1389, true],
    ['isolate: forwarded (a container)', ISOLATE, 'tcp', '172.17.0.2', '10.9.0.2', 443, false],
    ['egress: LDAP out', EGRESS, 'tcp', '10.0.0.2', '10.9.0.2', 1389, false],
    ['egress: RMI out', EGRESS, 'tcp', '10.0.0.2', '10.9.0.2', 1099, false],
    ['egress: DNS to an unnamed resolver', EGRESS, 'udp', '10.0.0.2', '10.9.0.2', 53, false],
    ['egress: DNS to the named resolver', EGRESS, 'udp', '10.0.0.2', '10.0.0.53', 53, true],
    ['egress: HTTPS out', EGRESS, 'tcp', '10.0.0.2', '10.9.0.2', 443, true],
    ['egress: inbound LDAP served by the host', EGRESS, 'tcp', '10.9.0.2', '10.0.0.2', 389, true],
    [
      'egress: a container resolving through another server',
      EGRESS,
      'udp',
      '172.17.0.2',
      '8.8.8.8',
      53,
      false,
    ],
  ] as const)('%s -> %s', (_name, plan, protocol, src, dst, dport, allowed) => {
    const flow = {
      family: src.includes(':') ? 6 : 4,
      protocol,
      src,
      dst,
      sport: 40000,
      dport,
    } as const;
    expect(flowAllowed(plan, flow, LOCAL)).toBe(allowed);
  });
});
