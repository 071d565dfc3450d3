import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findJvmListeners, PAYLOAD_FORMS, runProbe } from '../src';
import { compileFixtures, CORE, killAll, startService } from './support/java-service';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'l4f-probe-svc-'));
  compileFixtures(dir);
}, 180_000);

afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const fast = { ratePerSecond: 200, graceMs: 1500 };

describe('the canary probe against a real Java HTTP service on loopback', () => {
  it('finds the JVM listener, and a callback names the logged header, every form and the JVM', async () => {
    const svc = await startService(dir, CORE.vulnerable, 'header:X-Api-Version');

    const listeners = await findJvmListeners();
    expect(listeners).toContainEqual(
      expect.objectContaining({
        port: svc.port,
        address: '127.0.0.1',
        processes: [expect.objectContaining({ pid: svc.pid })],
      }),
    );
    const report = await runProbe({ ...fast, targets: [{ port: svc.port }] });

    expect(report.targets).toEqual([
      expect.objectContaining({ outcome: 'probed', scheme: 'http', requests: 15 }),
    ]);
    expect(new Set(report.findings.map((f) => `${f.location} ${f.field}`))).toEqual(
      new Set(['header X-Api-Version']),
    );
    expect(report.findings.map((f) => f.form).sort()).toEqual([...PAYLOAD_FORMS].sort());
    const plain = report.findings.find((f) => f.form === 'plain');
    expect(plain).toMatchObject({
      target: { port: svc.port },
      protocol: 'ldap',
      process: { pid: svc.pid },
    });
    expect(plain?.message).toContain(
      `port ${svc.port} looks up what users send: the header X-Api-Version (plain form)`,
    );
    expect(report.unmatched).toEqual([]);
  }, 120_000);

  it('names a logged form field', async () => {
    const svc = await startService(dir, CORE.vulnerable, 'form:username');

    const report = await runProbe({ ...fast, targets: [{ port: svc.port }], forms: ['plain'] });

    expect(report.findings.map((f) => [f.location, f.field, f.form])).toEqual([
      ['form', 'username', 'plain'],
    ]);
  }, 120_000);

  it('gets no callback from the same service on log4j-core 2.17.1', async () => {
    const svc = await startService(dir, CORE.fixed, 'header:X-Api-Version');

    const report = await runProbe({ ...fast, targets: [{ port: svc.port }] });

    expect(report.targets[0]).toMatchObject({ outcome: 'probed', requests: 15 });
    expect(report.findings).toEqual([]);
    // It did log the header: the marked string is in its log, not looked up.
    expect(svc.output()).toContain('request header value: ${jndi:ldap://127.0.0.1:');
  }, 120_000);

  it('gets no callback from a 2.14.1 service that logs nothing from requests', async () => {
    const svc = await startService(dir, CORE.vulnerable, 'nothing');

    const report = await runProbe({ ...fast, targets: [{ port: svc.port }] });

    expect(report.targets[0]).toMatchObject({ outcome: 'probed', requests: 15 });
    expect(report.findings).toEqual([]);
    expect(svc.output()).toContain('request served');
  }, 120_000);

  it('probes nothing on a port no JVM listens on, and refuses a foreign address', async () => {
    const report = await runProbe({ ...fast, listeners: [], targets: [{ port: 1 }] });
    expect(report.targets).toEqual([]);
    expect(report.errors).toEqual(['port 1: no JVM listens on it here; not probed']);

    await expect(
      runProbe({ listeners: [], targets: [{ port: 80, address: '192.0.2.7' }] }),
    ).rejects.toThrow('probe target 192.0.2.7:80 is not an address of this host');
  });

  it('stops at the request budget', async () => {
    const svc = await startService(dir, CORE.vulnerable, 'nothing');

    const report = await runProbe({ ...fast, targets: [{ port: svc.port }], maxRequests: 4 });

    expect(report.targets[0]).toMatchObject({
      outcome: 'partial',
      requests: 4,
      error: 'request budget spent',
    });
  }, 120_000);

  it('stops when its signal aborts, mid-way, and waits for no callback after', async () => {
    const svc = await startService(dir, CORE.vulnerable, 'nothing');
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('cancelled')), 1500);

    const report = await runProbe({
      targets: [{ port: svc.port }],
      ratePerSecond: 1,
      graceMs: 60_000,
      signal: abort.signal,
    });

    expect(report.targets[0]).toMatchObject({ outcome: 'partial', error: 'probe cancelled' });
    expect(report.targets[0].requests).toBeLessThan(15);
  }, 120_000);
});
