import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { CommandState, type Command, type CommandUpdate } from '@log4fleet/contracts';
import type { Finding, ScanOptions, ScanSink, ScanSummary } from '@log4fleet/scanner';
import { CommandExecutor } from './command-executor';
import { ExecutedLog } from './executed-log';
import { Outbox } from './outbox';
import type { ScanFn } from './scan-mapping';

const CMD = '7f000001-0000-4000-8000-000000000001';

function scanCommand(overrides: Partial<Command> = {}): Command {
  return {
    id: CMD,
    issuedAtMs: Date.now(),
    expiresAtMs: Date.now() + 60_000,
    kind: {
      $case: 'scan',
      value: {
        paths: [Buffer.from('/srv/apps')],
        exclude: ['/srv/apps/cache'],
        includeNetworkFs: false,
        oneFileSystem: true,
        maxDepth: 3,
        maxNestedBytes: 0,
        threads: 0,
        nice: true,
        processes: false,
        processesOnly: false,
      },
    },
    signature: Buffer.alloc(0),
    ...overrides,
  };
}

function finding(i: number): Finding {
  return {
    product: 'log4j-core',
    version: '2.14.1',
    versionExact: true,
    status: 'vulnerable',
    cves: ['CVE-2021-44228', 'CVE-2021-45046'],
    evidence: ['JndiManager.class md5 = 2.14.x'],
    packageRoot: 'org/apache/logging/log4j/',
    path: `/srv/apps/copy-${i}.jar`,
    chain: [`/srv/apps/copy-${i}.jar`],
    sha256: 'cd'.repeat(32),
  };
}

function summary(findings: number, errors: number): ScanSummary {
  return {
    files: findings,
    directories: 1,
    archives: findings,
    bytes: 1000,
    findings,
    errors,
    vulnerable: findings,
    mitigated: 0,
    safe: 0,
    unknown: 0,
    durationMs: 12,
    startedAt: '2026-11-28T03:00:00.000Z',
    finishedAt: '2026-11-28T03:00:00.012Z',
  };
}

/** A scan that reports `findings` findings and `errors` errors, recording the options it got. */
function fakeScan(findings: number, errors: number, calls: ScanOptions[]): ScanFn {
  return (options: ScanOptions, sink: ScanSink) => {
    calls.push(options);
    for (let i = 0; i < findings; i += 1) sink.finding(finding(i));
    for (let i = 0; i < errors; i += 1) {
      sink.error({
        path: `/srv/apps/bad-${i}.jar`,
        chain: [`/srv/apps/bad-${i}.jar`],
        code: 'corrupt-archive',
        error: 'bad zip',
      });
    }
    return Promise.resolve(summary(findings, errors));
  };
}

describe('CommandExecutor', () => {
  let stateDir: string;
  let outbox: Outbox;
  let executed: ExecutedLog;
  let updates: CommandUpdate[];

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'executor-'));
    outbox = await Outbox.open(stateDir);
    executed = await ExecutedLog.open(stateDir);
    updates = [];
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  function executor(scan: ScanFn, now?: () => number, processScan?: ScanFn): CommandExecutor {
    return new CommandExecutor({
      scan,
      processScan,
      outbox,
      executed,
      workDir: path.join(stateDir, 'work'),
      log: pino({ level: 'silent' }),
      report: (u) => updates.push(u),
      now,
    });
  }

  const states = (): string[] => updates.map((u) => CommandState[u.state]);
  const settled = (ex: CommandExecutor): Promise<void> => ex.whenIdle();

  it('runs a scan and leaves its results in the outbox as chunks of at most 500', async () => {
    const calls: ScanOptions[] = [];
    const ex = executor(fakeScan(1201, 3, calls));
    ex.handle(scanCommand());
    await waitFor(() => updates.some((u) => u.state === CommandState.COMMAND_STATE_SUCCEEDED));

    expect(states()).toEqual([
      'COMMAND_STATE_DELIVERED',
      'COMMAND_STATE_STARTED',
      'COMMAND_STATE_SUCCEEDED',
    ]);
    expect(updates[2]?.totalChunks).toBe(3);
    const chunks = await Promise.all((await outbox.list()).map((e) => outbox.read(e)));
    expect(
      chunks.map((c) => [
        c?.sequence,
        c?.totalChunks,
        c?.findings.length,
        c?.errors.length,
        c?.summary !== undefined,
      ]),
    ).toEqual([
      [0, 3, 500, 3, false],
      [1, 3, 500, 0, false],
      [2, 3, 201, 0, true],
    ]);
    expect(chunks[2]?.summary).toMatchObject({
      findings: 1201,
      errors: 3,
      vulnerable: 1201,
      startedAtMs: Date.parse('2026-11-28T03:00:00.000Z'),
    });
    expect(chunks[0]?.findings[0]).toMatchObject({
      product: 'log4j-core',
      version: '2.14.1',
      status: 'vulnerable',
    });
    expect(Buffer.from(chunks[0]!.findings[0].chain[0]).toString()).toBe('/srv/apps/copy-0.jar');
    expect(calls[0]).toMatchObject({
      paths: ['/srv/apps'],
      exclude: ['/srv/apps/cache'],
      oneFileSystem: true,
      nice: true,
      threads: 0,
    });
    expect(calls[0]?.limits.maxDepth).toBe(3);
    expect(await readdir(path.join(stateDir, 'work'))).toEqual([]);
  });

  it('sends one chunk with the summary when nothing was found', async () => {
    const ex = executor(fakeScan(0, 0, []));
    ex.handle(scanCommand());
    await settled(ex);
    expect(updates.at(-1)).toMatchObject({
      state: CommandState.COMMAND_STATE_SUCCEEDED,
      totalChunks: 1,
    });
    const [only] = await outbox.list();
    expect((await outbox.read(only))?.summary).toMatchObject({ findings: 0 });
  });

  it('runs a command delivered twice only once, and acks the second delivery with the outcome', async () => {
    const calls: ScanOptions[] = [];
    const ex = executor(fakeScan(2, 0, calls));
    ex.handle(scanCommand());
    ex.handle(scanCommand());
    await settled(ex);
    const again = executor(fakeScan(2, 0, calls));
    again.handle(scanCommand());

    expect(calls).toHaveLength(1);
    expect(states()).toEqual([
      'COMMAND_STATE_DELIVERED',
      'COMMAND_STATE_STARTED', // second delivery while running: acked with its current state
      'COMMAND_STATE_STARTED',
      'COMMAND_STATE_SUCCEEDED',
      'COMMAND_STATE_SUCCEEDED', // delivery after it finished: acked with the recorded outcome
    ]);
    expect(updates.at(-1)?.totalChunks).toBe(1);
  });

  it('remembers executed commands across an agent restart', async () => {
    const calls: ScanOptions[] = [];
    const first = executor(fakeScan(1, 0, calls));
    first.handle(scanCommand());
    await settled(first);
    executed = await ExecutedLog.open(stateDir);
    const second = executor(fakeScan(1, 0, calls));
    second.handle(scanCommand());
    await settled(second);
    expect(calls).toHaveLength(1);
  });

  it('does not start an expired command', async () => {
    const calls: ScanOptions[] = [];
    const ex = executor(fakeScan(1, 0, calls), () => 2_000);
    ex.handle(scanCommand({ expiresAtMs: 1_000 }));
    await settled(ex);
    expect(calls).toHaveLength(0);
    expect(states()).toEqual(['COMMAND_STATE_DELIVERED', 'COMMAND_STATE_EXPIRED']);
    expect(await outbox.count()).toBe(0);
  });

  it('reports the engine error when the scan fails', async () => {
    const ex = executor(() => Promise.reject(new Error('cannot read /srv/apps: EACCES')));
    ex.handle(scanCommand());
    await settled(ex);
    expect(updates.at(-1)).toMatchObject({
      state: CommandState.COMMAND_STATE_FAILED,
      message: 'cannot read /srv/apps: EACCES',
    });
    expect(executed.get(CMD)?.state).toBe('failed');
  });

  it('fails a JVM-only scan it cannot perform instead of reporting it clean', async () => {
    const calls: ScanOptions[] = [];
    const ex = executor(fakeScan(0, 0, calls));
    const command = scanCommand();
    if (command.kind?.$case === 'scan') command.kind.value.processesOnly = true;
    ex.handle(command);
    await settled(ex);
    expect(calls).toHaveLength(0);
    expect(updates.at(-1)).toMatchObject({
      state: CommandState.COMMAND_STATE_FAILED,
      message: expect.stringMatching(/running JVMs/),
    });
  });

  it('inspects running JVMs after the filesystem when asked, in one result', async () => {
    const fileCalls: ScanOptions[] = [];
    const processCalls: ScanOptions[] = [];
    const ex = executor(fakeScan(2, 1, fileCalls), undefined, fakeScan(1, 0, processCalls));
    const command = scanCommand();
    if (command.kind?.$case === 'scan') command.kind.value.processes = true;
    ex.handle(command);
    await settled(ex);
    expect([fileCalls.length, processCalls.length]).toEqual([1, 1]);
    const [only] = await outbox.list();
    const chunk = await outbox.read(only);
    expect(chunk?.findings).toHaveLength(3);
    expect(chunk?.summary).toMatchObject({ findings: 3, errors: 1, vulnerable: 3, durationMs: 24 });
  });

  it('runs only the JVM inspection for a processes-only scan', async () => {
    const fileCalls: ScanOptions[] = [];
    const processCalls: ScanOptions[] = [];
    const ex = executor(fakeScan(2, 0, fileCalls), undefined, fakeScan(1, 0, processCalls));
    const command = scanCommand();
    if (command.kind?.$case === 'scan') command.kind.value.processesOnly = true;
    ex.handle(command);
    await settled(ex);
    expect([fileCalls.length, processCalls.length]).toEqual([0, 1]);
    expect(updates.at(-1)).toMatchObject({
      state: CommandState.COMMAND_STATE_SUCCEEDED,
      totalChunks: 1,
    });
  });

  it('stops a running scan on cancel and uploads nothing for it', async () => {
    let seenSignal: AbortSignal | undefined;
    const never: ScanFn = (_options, _sink, signal) => {
      seenSignal = signal;
      return new Promise(() => undefined);
    };
    const ex = executor(never);
    ex.handle(scanCommand());
    await waitFor(() => updates.some((u) => u.state === CommandState.COMMAND_STATE_STARTED));
    expect(ex.cancel(CMD)).toBe(true);
    await ex.whenIdle();
    expect(seenSignal?.aborted).toBe(true);
    expect(states().at(-1)).toBe('COMMAND_STATE_CANCELLED');
    expect(await outbox.count()).toBe(0);
  });

  it('on shutdown abandons a running scan without recording it, so a redelivery runs it', async () => {
    const ex = executor(() => new Promise(() => undefined));
    ex.handle(scanCommand());
    await waitFor(() => updates.some((u) => u.state === CommandState.COMMAND_STATE_STARTED));
    await ex.shutdown();
    expect(executed.has(CMD)).toBe(false);
    expect(states()).not.toContain('COMMAND_STATE_FAILED');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error('condition not reached');
}
