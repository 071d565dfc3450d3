import type { QuarantineCommand } from '@log4fleet/contracts';
import type { QuarantineEvidence } from '@log4fleet/quarantine';
import { evidenceJson, specOf } from './quarantine-handler';

const CONTROLLER = { host: 'controller.example', port: 50051 };
const command = (over: Partial<QuarantineCommand> = {}): QuarantineCommand => ({
  mode: 'isolate',
  allowlist: [
    { cidr: '10.20.0.0/24', protocol: 'tcp', port: 22 },
    { cidr: '10.30.0.1', protocol: 'udp', port: 0 },
  ],
  resolvers: [],
  probe: { address: '192.0.2.7', port: 1389, protocol: 'tcp' },
  deadlineS: 0,
  controllerAddresses: [],
  ...over,
});

describe('specOf', () => {
  it("keeps the agent's own controller and maps port 0 to every port", () => {
    expect(specOf(command(), CONTROLLER)).toEqual({
      mode: 'isolate',
      controller: { host: 'controller.example', port: 50051, addresses: [] },
      allowlist: [
        { cidr: '10.20.0.0/24', protocol: 'tcp', port: 22 },
        { cidr: '10.30.0.1', protocol: 'udp' },
      ],
      resolvers: [],
      probe: { address: '192.0.2.7', port: 1389, protocol: 'tcp' },
    });
  });

  it('passes the pinned controller addresses the command carries', () => {
    const spec = specOf(command({ controllerAddresses: ['10.1.1.1'] }), CONTROLLER);
    expect(spec.controller.addresses).toEqual(['10.1.1.1']);
  });

  it('refuses an unknown mode, naming it', () => {
    expect(() => specOf(command({ mode: 'shutdown' }), CONTROLLER)).toThrow(
      /quarantine mode "shutdown" is not isolate or egress-block/,
    );
  });
});

describe('evidenceJson', () => {
  const evidence = {
    rulesetHash: 'sha256:x',
    ruleset: 'table inet log4fleet {}',
  } as QuarantineEvidence;

  it('is the evidence as JSON', () => {
    expect(JSON.parse(evidenceJson(evidence))).toEqual(evidence);
  });

  it('leaves the ruleset text out when the evidence would be over its limit', () => {
    const big = { ...evidence, ruleset: 'x'.repeat(70 * 1024) };
    const parsed = JSON.parse(evidenceJson(big)) as Record<string, unknown>;
    expect(parsed['rulesetHash']).toBe('sha256:x');
    expect(parsed['ruleset']).toMatch(/left out/);
  });
});
