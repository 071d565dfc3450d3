import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ChannelCredentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import {
  AgentServiceClient,
  AgentServiceService,
  ReportInventoryRequest,
  type ReportInventoryResponse,
} from '@log4fleet/contracts';
import { collectInventory } from '@log4fleet/inventory';
import { probeJvms } from '@log4fleet/jvm-probe';
import pino from 'pino';
import { collectSnapshot } from '../src/inventory/collect-snapshot';
import { MAX_REPORT_BYTES } from '../src/inventory/fit-snapshot';
import { fixtureInventory, fixtureJvmReport } from '../src/inventory/inventory-fixtures';
import { InventoryReporter, retryAfterMs } from '../src/inventory/inventory-reporter';
import { reportInventory } from '../src/inventory/report-inventory';

/** A controller that only answers ReportInventory, on 127.0.0.1. */
class InventorySink {
  readonly received: Array<{ request: ReportInventoryRequest; authorization: unknown }> = [];
  failNext = false;
  /** Answers every call with RESOURCE_EXHAUSTED and this message while set. */
  exhausted: string | null = null;
  attempts = 0;
  private server = new Server();
  port = 0;

  async start(): Promise<void> {
    const impl = {
      reportInventory: (
        call: ServerUnaryCall<ReportInventoryRequest, ReportInventoryResponse>,
        callback: sendUnaryData<ReportInventoryResponse>,
      ) => {
        this.attempts += 1;
        if (this.exhausted !== null) {
          callback({ code: status.RESOURCE_EXHAUSTED, details: this.exhausted });
          return;
        }
        if (this.failNext) {
          this.failNext = false;
          callback({ code: status.UNAVAILABLE, details: 'try later' });
          return;
        }
        this.received.push({
          request: call.request,
          authorization: call.metadata.get('authorization')[0],
        });
        callback(null, { snapshotId: `s${this.received.length}`, duplicate: false, changes: 0 });
      },
    };
    this.server.addService(AgentServiceService, impl);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}

const metadata = (): Metadata => {
  const md = new Metadata();
  md.set('authorization', 'Bearer agent-1.secret');
  return md;
};

describe('inventory reporting', () => {
  const sink = new InventorySink();
  let client: AgentServiceClient;
  let emptyProc: string;

  beforeAll(async () => {
    await sink.start();
    client = new AgentServiceClient(`127.0.0.1:${sink.port}`, ChannelCredentials.createInsecure());
    emptyProc = mkdtempSync(path.join(os.tmpdir(), 'inv-proc-'));
  });

  afterAll(async () => {
    client.close();
    await sink.stop();
    rmSync(emptyProc, { recursive: true, force: true });
  });

  it('collects a snapshot from the collectors and stamps it with the collection time', async () => {
    const calls: unknown[] = [];
    const req = await collectSnapshot({
      collectInventory: (opts) => {
        calls.push(opts);
        return Promise.resolve(fixtureInventory());
      },
      probeJvms: () => Promise.resolve(fixtureJvmReport()),
      agent: { version: '0.1.0' },
      now: () => 1_764_300_000_000,
    });
    expect(calls).toEqual([{ agent: { version: '0.1.0' } }]);
    expect(req.collectedAtMs).toBe(1_764_300_000_000);
    expect(req.snapshot?.jvms.map((j) => j.pid)).toEqual([4321, 999]);
  });

  it('maps what the real collectors find on a fixture root', async () => {
    const root = path.join(__dirname, '../../../libs/inventory/test/fixtures/host-a');
    const req = await collectSnapshot({
      collectInventory: () => collectInventory({ root, agent: { version: '0.1.0' } }),
      probeJvms: () =>
        probeJvms({ procRoot: emptyProc, passwdPath: path.join(root, 'etc/passwd') }),
    });
    const s = req.snapshot!;
    expect(s.os?.hostname).not.toBe('');
    expect(s.accounts.some((a) => a.name === 'root' && a.privileged)).toBe(true);
    expect(s.javaRuntimes.map((j) => j.home)).toEqual(
      expect.arrayContaining(['/usr/lib/jvm/temurin-11']),
    );
    expect(s.updates?.lastUpdate?.atMs).toBeGreaterThan(0);
    expect(s.jvms).toEqual([]);
    expect(s.packages.map((p) => `${p.manager} ${p.name} ${p.sourcePackage}`)).toEqual([
      'dpkg liblog4j2-java apache-log4j2',
      'dpkg openssh-server openssh',
    ]);
  });

  it("puts this machine's installed packages (its real dpkg status) in a snapshot that fits one message", async () => {
    const installed = readFileSync('/var/lib/dpkg/status', 'utf8')
      .split(/\n\n+/)
      .filter((stanza) => /^Status: \S+ \S+ installed$/m.test(stanza)).length;
    const req = await collectSnapshot({
      collectInventory: () => collectInventory({ agent: { version: '0.1.0' } }),
      probeJvms: () => probeJvms({ procRoot: emptyProc }),
    });
    expect(req.snapshot?.packages.filter((p) => p.manager === 'dpkg')).toHaveLength(installed);
    expect(req.snapshot?.packages.find((p) => p.name === 'dpkg')?.version).toMatch(/^\d/);
    expect(ReportInventoryRequest.encode(req).finish().length).toBeLessThan(MAX_REPORT_BYTES);
  });

  it('sends one ReportInventory with the agent credential', async () => {
    const res = await reportInventory(client, metadata(), {
      snapshot: undefined,
      collectedAtMs: 1,
    });
    expect(res.snapshotId).toMatch(/^s\d+$/);
    expect(sink.received.at(-1)?.authorization).toBe('Bearer agent-1.secret');
  });

  it('reports after each connect, and a failed report does not stop the next one', async () => {
    const before = sink.received.length;
    let collected = 0;
    const reporter = new InventoryReporter({
      client,
      metadata,
      collect: () => {
        collected += 1;
        return Promise.resolve({ snapshot: undefined, collectedAtMs: 1000 + collected });
      },
      log: pino({ level: 'silent' }),
    });
    try {
      sink.failNext = true;
      reporter.onConnected();
      await reporter.idle();
      expect(sink.received.length).toBe(before);
      reporter.onConnected();
      await reporter.idle();
      expect(sink.received.length).toBe(before + 1);
      expect(sink.received.at(-1)?.request.collectedAtMs).toBe(1002);
    } finally {
      reporter.stop();
    }
  });

  it('coalesces connects that arrive during a report into one more report', async () => {
    const before = sink.received.length;
    const reporter = new InventoryReporter({
      client,
      metadata,
      collect: () => Promise.resolve({ snapshot: undefined, collectedAtMs: 5 }),
      log: pino({ level: 'silent' }),
    });
    try {
      reporter.onConnected();
      reporter.onConnected();
      reporter.onConnected();
      await reporter.idle();
      expect(sink.received.length).toBe(before + 2);
    } finally {
      reporter.stop();
    }
  });

  it('M5: after RESOURCE_EXHAUSTED, reconnects send no report until the time the controller named', async () => {
    let now = 1_000_000;
    const reporter = new InventoryReporter({
      client,
      metadata,
      collect: () => Promise.resolve({ snapshot: undefined, collectedAtMs: now }),
      log: pino({ level: 'silent' }),
      now: () => now,
    });
    try {
      sink.exhausted =
        'agent a sent 6 inventory reports in the last hour (at most 6); retry after 1200 s';
      const before = sink.attempts;
      reporter.onConnected();
      await reporter.idle();
      expect(sink.attempts).toBe(before + 1);
      for (let i = 0; i < 5; i++) {
        now += 60_000;
        reporter.onConnected();
        await reporter.idle();
      }
      expect(sink.attempts).toBe(before + 1);
      sink.exhausted = null;
      now += 1_200_000;
      const received = sink.received.length;
      reporter.onConnected();
      await reporter.idle();
      expect(sink.received.length).toBe(received + 1);
    } finally {
      sink.exhausted = null;
      reporter.stop();
    }
  });

  it('sends a snapshot when asked (a controller request, a processes scan), held while the controller asked to wait', async () => {
    let now = 2_000_000;
    const reporter = new InventoryReporter({
      client,
      metadata,
      collect: () => Promise.resolve({ snapshot: undefined, collectedAtMs: now }),
      log: pino({ level: 'silent' }),
      now: () => now,
    });
    try {
      const received = sink.received.length;
      reporter.requestNow('controller request r1');
      reporter.requestNow('a scan inspected the running processes');
      await reporter.idle();
      // The second request came during the first report: one more report, not one per request.
      expect(sink.received.length).toBe(received + 2);
      sink.exhausted = 'too many; retry after 600 s';
      const attempts = sink.attempts;
      now += 1;
      reporter.requestNow('controller request r2');
      await reporter.idle();
      expect(sink.attempts).toBe(attempts + 1);
      now += 60_000;
      reporter.requestNow('controller request r3');
      await reporter.idle();
      expect(sink.attempts).toBe(attempts + 1);
    } finally {
      sink.exhausted = null;
      reporter.stop();
    }
  });

  it('reads the wait from a RESOURCE_EXHAUSTED message, and waits an hour when it names none', () => {
    expect(retryAfterMs('... retry after 42 s (2026-01-01T00:00:00.000Z)')).toBe(42_000);
    expect(retryAfterMs('busy')).toBe(3_600_000);
  });
});
