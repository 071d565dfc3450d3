import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { KindResults, PROTOCOL_LIMITS, type ProbeCommand } from '@log4fleet/contracts';
import type { ProbeFinding, ProbeOptions, ProbeReport } from '@log4fleet/probe';
import { Outbox } from '../daemon/outbox';
import { ProbeHandler } from './probe-handler';
import { checkProbeCommand, toProbeResultParts } from './probe-mapping';

const CMD = '0b0e6c1e-0000-4000-8000-0000000000a1';
const command = (over: Partial<ProbeCommand> = {}): ProbeCommand => ({
  targets: [{ address: '127.0.0.1', port: 8080 }],
  ratePerSecond: 0,
  maxRequests: 0,
  timeBudgetSeconds: 0,
  ...over,
});

function report(findings: number): ProbeReport {
  const target = {
    address: '127.0.0.1',
    port: 8080,
    bound: '0.0.0.0',
    processes: [{ pid: 7, comm: 'java' }],
  };
  const finding = (i: number): ProbeFinding => ({
    token: `l4fdeadbeefx${i.toString(36)}`,
    target: { address: '127.0.0.1', port: 8080 },
    location: 'header',
    field: `X-Header-${i}`,
    form: 'plain',
    protocol: 'ldap',
    at: '2026-12-07T01:00:00.000Z',
    process: { pid: 7, comm: 'java' },
    message: `port 8080 looks up what users send: the header X-Header-${i} (plain form) made a JNDI LDAP callback ${'x'.repeat(300)}`,
  });
  return {
    startedAt: '2026-12-07T01:00:00.000Z',
    finishedAt: '2026-12-07T01:00:05.000Z',
    responders: {
      ldap: { address: '127.0.0.1', port: 40001 },
      dns: { address: '127.0.0.1', port: 40002 },
    },
    targets: [{ target, outcome: 'probed', scheme: 'http', requests: 15, tokens: 305 }],
    findings: Array.from({ length: findings }, (_, i) => finding(i)),
    unmatched: [],
    errors: ['port 9: no JVM listens on it here; not probed'],
  };
}

describe('probe command checks', () => {
  it.each([
    [
      'a foreign address',
      command({ targets: [{ address: '192.0.2.7', port: 80 }] }),
      'probe.targets[0].address 192.0.2.7 is not an address of this host: refused',
    ],
    [
      'port 0',
      command({ targets: [{ address: '', port: 0 }] }),
      'probe.targets[0].port 0 is not a port',
    ],
    [
      'too many requests',
      command({ maxRequests: 10_001 }),
      'probe.max_requests 10001 is out of range for this agent: at most 10000',
    ],
    ['too fast', command({ ratePerSecond: 201 }), 'probe.rate_per_second 201 is out of range'],
  ])('refuses %s, naming the field', (_name, cmd, message) => {
    expect(() => checkProbeCommand(cmd)).toThrow(message);
  });

  it("accepts loopback and an empty address (the listener's own)", () => {
    expect(() =>
      checkProbeCommand(
        command({
          targets: [
            { address: '', port: 8080 },
            { address: '::1', port: 1 },
          ],
        }),
      ),
    ).not.toThrow();
  });
});

describe('probe results', () => {
  it('split into parts under the chunk limit, every finding kept once, the run facts in the first', () => {
    const parts = toProbeResultParts(report(6000));

    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts)
      expect(KindResults.encode(p).finish().length).toBeLessThanOrEqual(
        PROTOCOL_LIMITS.kindResultsBytes,
      );
    const values = parts.map((p) => (p.kind?.$case === 'probe' ? p.kind.value : undefined));
    expect(values.flatMap((v) => v?.findings.map((f) => f.field))).toEqual(
      Array.from({ length: 6000 }, (_, i) => `X-Header-${i}`),
    );
    expect(values[0]).toMatchObject({
      ldapPort: 40001,
      dnsPort: 40002,
      errors: ['port 9: no JVM listens on it here; not probed'],
    });
    expect(values.flatMap((v) => v?.targets)).toHaveLength(1);
  });
});

describe('ProbeHandler', () => {
  let dir: string;
  let outbox: Outbox;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'probe-handler-'));
    outbox = await Outbox.open(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const runOf = (signal = new AbortController().signal) => ({
    commandId: CMD,
    log: pino({ level: 'silent' }),
    signal,
    started: jest.fn(),
    writing: jest.fn(),
  });

  it('runs the probe with the agent defaults for 0 and puts the report in the outbox', async () => {
    const calls: ProbeOptions[] = [];
    const handler = new ProbeHandler({
      outbox,
      probe: (o) => (calls.push(o), Promise.resolve(report(2))),
    });
    const run = runOf();

    expect(await handler.run(command(), run)).toBe(1);

    expect(calls[0]).toMatchObject({
      targets: [{ port: 8080, address: '127.0.0.1' }],
      ratePerSecond: 20,
      maxRequests: 1000,
      timeBudgetMs: 120_000,
    });
    expect(run.started).toHaveBeenCalled();
    const [entry] = await outbox.list();
    const chunk = await outbox.read(entry);
    expect(chunk?.kindResults?.kind?.$case).toBe('probe');
  });

  it('fails a refused command before it starts, and a cancelled one writes nothing', async () => {
    const handler = new ProbeHandler({ outbox, probe: () => Promise.resolve(report(0)) });
    const refused = runOf();
    await expect(
      handler.run(command({ targets: [{ address: '198.51.100.1', port: 80 }] }), refused),
    ).rejects.toThrow('not an address of this host');
    expect(refused.started).not.toHaveBeenCalled();

    const abort = new AbortController();
    abort.abort(new Error('cancelled by the controller'));
    await expect(handler.run(command(), runOf(abort.signal))).rejects.toThrow(
      'cancelled by the controller',
    );
    expect(await outbox.count()).toBe(0);
  });
});
