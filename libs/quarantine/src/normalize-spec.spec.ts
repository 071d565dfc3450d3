import { parseCidr } from './address';
import { QuarantineError } from './errors';
import { normalizeSpec } from './normalize-spec';
import type { QuarantineSpec } from './types';

const OK: QuarantineSpec = {
  mode: 'isolate',
  controller: { host: 'controller.example', port: 50051 },
};

describe('normalizeSpec', () => {
  it.each([
    [{ ...OK, mode: 'lockdown' }, /mode "lockdown"/],
    [{ ...OK, controller: { host: '', port: 1 } }, /controller.host is empty/],
    [{ ...OK, controller: { host: 'bad name!', port: 1 } }, /controller.host "bad name!"/],
    [{ ...OK, controller: { host: 'c', port: 0 } }, /controller.port 0/],
    [{ ...OK, controller: { host: 'c', port: 70000 } }, /controller.port 70000/],
    [
      { ...OK, allowlist: [{ cidr: '10.0.0.0/33', protocol: 'tcp' }] },
      /allowlist\[0\].cidr "10.0.0.0\/33"/,
    ],
    [{ ...OK, allowlist: [{ cidr: '0.0.0.0/0', protocol: 'tcp' }] }, /allows every address/],
    [
      { ...OK, allowlist: [{ cidr: '10.0.0.1', protocol: 'icmp' }] },
      /allowlist\[0\].protocol "icmp"/,
    ],
    [
      { ...OK, allowlist: [{ cidr: '10.0.0.1', protocol: 'tcp', port: 1.5 }] },
      /allowlist\[0\].port 1.5/,
    ],
    [
      {
        ...OK,
        allowlist: Array.from({ length: 65 }, () => ({ cidr: '10.0.0.1', protocol: 'tcp' })),
      },
      /65 entries, at most 64/,
    ],
    [{ ...OK, resolvers: ['10.0.0.53'] }, /resolvers apply to mode egress-block only/],
    [{ ...OK, mode: 'egress-block', resolvers: ['dns.example'] }, /resolvers\[0\] "dns.example"/],
    [
      { ...OK, mode: 'egress-block', allowlist: [{ cidr: '10.0.0.1', protocol: 'tcp' }] },
      /allowlist applies to mode isolate only/,
    ],
    [
      { ...OK, probe: { address: 'fe80::1%eth0', port: 1, protocol: 'tcp' } },
      /probe.address "fe80::1%eth0"/,
    ],
    [
      { ...OK, controller: { host: 'c', port: 1, addresses: ['c.example'] } },
      /controller.addresses\[0\] "c.example"/,
    ],
    [
      {
        ...OK,
        controller: {
          host: 'c',
          port: 1,
          addresses: Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`),
        },
      },
      /controller.addresses has 17 entries, at most 16/,
    ],
  ] as const)('refuses %j naming the input', (spec, message) => {
    let thrown: unknown;
    try {
      normalizeSpec(spec as unknown as QuarantineSpec);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(QuarantineError);
    expect((thrown as QuarantineError).code).toBe('INVALID_SPEC');
    expect((thrown as Error).message).toMatch(message);
  });

  it('normalizes addresses to the form nft prints', () => {
    const spec = normalizeSpec({
      mode: 'egress-block',
      controller: { host: '[FD00:0:0::1]', port: 443 },
      resolvers: ['FD00::0035', '10.0.0.53', '10.0.0.53'],
    });
    expect(spec.controller.host).toBe('fd00::1');
    expect(spec.resolvers).toEqual(['fd00::35', '10.0.0.53']);
  });

  it('pins given controller addresses normalized, sorted and once each', () => {
    const spec = normalizeSpec({
      ...OK,
      controller: { host: 'c.example', port: 1, addresses: ['FD00::1', '10.0.0.9', '10.0.0.9'] },
    });
    expect(spec.controller.addresses).toEqual(['10.0.0.9', 'fd00::1']);
  });
});

describe('parseCidr', () => {
  it.each([
    ['10.1.2.3', { family: 4, address: '10.1.2.3', prefix: 32 }],
    ['10.1.2.3/24', { family: 4, address: '10.1.2.0', prefix: 24 }],
    ['10.255.255.255/1', { family: 4, address: '0.0.0.0', prefix: 1 }],
    ['2001:DB8::1/64', { family: 6, address: '2001:db8::', prefix: 64 }],
    ['2001:db8:1:2:3:4:5:6/127', { family: 6, address: '2001:db8:1:2:3:4:5:6', prefix: 127 }],
    ['::ffff:10.0.0.1/128', { family: 6, address: '::ffff:a00:1', prefix: 128 }],
    ['10.0.0.1/', null],
    ['10.0.0.1/-1', null],
    ['host/8', null],
  ])('%s', (input, expected) => {
    expect(parseCidr(input)).toEqual(expected);
  });
});
