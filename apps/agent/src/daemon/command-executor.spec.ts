import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import {
  AGENT_REPORTED_STATES,
  AGENT_STATE_WIRE,
  CommandState,
  type Command,
  type CommandUpdate,
} from '@log4fleet/contracts';
import type { Finding, ScanOptions, ScanSink, ScanSummary } from '@log4fleet/scanner';
import { CommandExecutor } from './command-executor';
import { ExecutedLog } from './executed-log';
import { Outbox } from './outbox';
import type { ScanFn } from './scan-mapping';
import { MAX_SCAN_THREADS } from './scan-bounds';

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
    agentId: '',
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

  function executor(
    scan: ScanFn,
    now?: () => number,
    processScan?: ScanFn,
    extra: { log?: pino.Logger; workerFile?: string; onProcessesInspected?: () => void } = {},
  ): CommandExecutor {
    return new CommandExecutor({
      scan,
      processScan,
      outbox,
      executed,
      workDir: path.join(stateDir, 'work'),
      log: extra.log ?? pino({ level: 'silent' }),
      report: (u) => updates.push(u),
      now,
      workerFile: extra.workerFile,
      onProcessesInspected: extra.onProcessesInspected,
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

  it('asks for a fresh inventory after a scan that inspected running JVMs, not after a filesystem scan', async () => {
    let asked = 0;
    const onProcessesInspected = () => (asked += 1);
    const ex = executor(fakeScan(1, 0, []), undefined, fakeScan(1, 0, []), {
      onProcessesInspected,
    });
    ex.handle(scanCommand());
    await settled(ex);
    expect(asked).toBe(0);
    const command = scanCommand({ id: '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c' });
    if (command.kind?.$case === 'scan') command.kind.value.processesOnly = true;
    ex.handle(command);
    await settled(ex);
    expect(updates.at(-1)).toMatchObject({ state: CommandState.COMMAND_STATE_SUCCEEDED });
    expect(asked).toBe(1);
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
  it('H2: fails a command whose values are out of range for the agent, naming the field', async () => {
    const calls: ScanOptions[] = [];
    const ex = executor(fakeScan(0, 0, calls));
    const command = scanCommand();
    if (command.kind?.$case === 'scan') command.kind.value.maxNestedBytes = 2 ** 52;
    ex.handle(command);
    await ex.whenIdle();
    expect(calls).toHaveLength(0);
    expect(updates.at(-1)).toMatchObject({
      state: CommandState.COMMAND_STATE_FAILED,
      message: expect.stringMatching(/^scan\.max_nested_bytes 4503599627370496 is out of range/),
    });
  });

  it('D1: reports a cancelled or expired command as such, in states of the shared contract', async () => {
    // The controller accepts exactly AGENT_REPORTED_STATES (libs/contracts); a FAILED in their
    // place hid why the command ended.
    const allowed = new Set(AGENT_REPORTED_STATES.map((name) => AGENT_STATE_WIRE[name]));
    const ex = executor(
      () => new Promise(() => undefined),
      () => 2_000,
    );
    const [running, queued, expired] = [randomUUID(), randomUUID(), randomUUID()];
    ex.handle(scanCommand({ id: running, expiresAtMs: 0 }));
    ex.handle(scanCommand({ id: queued, expiresAtMs: 0 }));
    await waitFor(() => updates.some((u) => u.state === CommandState.COMMAND_STATE_STARTED));
    ex.cancel(queued);
    ex.cancel(running);
    ex.handle(scanCommand({ id: expired, expiresAtMs: 1_000 }));
    await ex.whenIdle();
    const last = (id: string): CommandState | undefined =>
      updates.filter((u) => u.commandId === id).at(-1)?.state;
    expect([running, queued, expired].map(last)).toEqual([
      CommandState.COMMAND_STATE_CANCELLED,
      CommandState.COMMAND_STATE_CANCELLED,
      CommandState.COMMAND_STATE_EXPIRED,
    ]);
    expect(updates.filter((u) => !allowed.has(u.state))).toEqual([]);
  });

  describe('C1: a command id that is no lowercase UUID', () => {
    it('is refused before any use: a directory outside the state directory stays intact', async () => {
      // stateDir/work is the executor's work directory; ../../victim-dir is beside stateDir.
      const root = await mkdtemp(path.join(os.tmpdir(), 'executor-c1-'));
      try {
        stateDir = path.join(root, 'state');
        outbox = await Outbox.open(stateDir);
        executed = await ExecutedLog.open(stateDir);
        const victim = path.join(root, 'victim-dir');
        await mkdir(victim);
        await writeFile(path.join(victim, 'precious.txt'), 'keep me');
        const lines: string[] = [];
        const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
        const calls: ScanOptions[] = [];
        const ex = executor(fakeScan(1, 0, calls), undefined, undefined, { log });
        const ids = [
          '../../victim-dir',
          victim,
          '..',
          '.',
          '',
          `${CMD}/../../../victim-dir`,
          `7f000001-0000-4000-8000-00000000000\u0000`,
          CMD.toUpperCase(),
          randomUUID().replace(/-/g, ''),
        ];
        for (const id of ids) ex.handle(scanCommand({ id }));
        await ex.whenIdle();

        expect(await readFile(path.join(victim, 'precious.txt'), 'utf8')).toBe('keep me');
        expect(await readdir(stateDir)).toEqual(expect.arrayContaining(['outbox']));
        expect(calls).toHaveLength(0);
        expect(updates).toEqual([]);
        expect(executed.size).toBe(0);
        const refused = lines
          .map((l) => JSON.parse(l) as { level: number; msg: string; commandId: string })
          .filter((l) => l.level === 50);
        expect(refused.map((l) => l.commandId)).toEqual(ids);
        expect(refused[0]?.msg).toBe(
          'command id "../../victim-dir" refused: not a lowercase canonical UUID',
        );
        // Cancels of such ids are refused as well, and a valid command still runs.
        expect(ex.cancel('../../victim-dir')).toBe(false);
        ex.handle(scanCommand());
        await ex.whenIdle();
        expect(calls).toHaveLength(1);
        expect(states().at(-1)).toBe('COMMAND_STATE_SUCCEEDED');
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });
  });

  describe("M2: one scan at a time, within the agent's means", () => {
    /** A scan that waits until released, recording how many run at once. */
    function gatedScan(): {
      scan: ScanFn;
      release: () => void;
      started: () => number;
      maxAtOnce: () => number;
    } {
      let running = 0;
      let max = 0;
      let count = 0;
      const gates: Array<() => void> = [];
      const scan: ScanFn = async () => {
        running += 1;
        count += 1;
        max = Math.max(max, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
        return summary(0, 0);
      };
      return {
        scan,
        release: () => gates.shift()?.(),
        started: () => count,
        maxAtOnce: () => max,
      };
    }

    it('runs five commands sent together one after another, in arrival order', async () => {
      const gated = gatedScan();
      const ex = executor(gated.scan);
      const ids: string[] = Array.from({ length: 5 }, () => randomUUID());
      for (const id of ids) ex.handle(scanCommand({ id }));
      for (let i = 1; i <= ids.length; i += 1) {
        await waitFor(() => gated.started() === i);
        gated.release();
      }
      await ex.whenIdle();

      expect(gated.maxAtOnce()).toBe(1);
      const progress = updates
        .filter((u) => u.state !== CommandState.COMMAND_STATE_DELIVERED)
        .map((u) => `${ids.indexOf(u.commandId)} ${CommandState[u.state]}`);
      expect(progress).toEqual(
        ids.flatMap((_, i) => [`${i} COMMAND_STATE_STARTED`, `${i} COMMAND_STATE_SUCCEEDED`]),
      );
      // Every command is acknowledged as delivered on arrival, before the first finishes.
      expect(updates.slice(0, 5).map((u) => CommandState[u.state])).toEqual(
        Array(5).fill('COMMAND_STATE_DELIVERED'),
      );
    });

    it('cancels a queued command without running it; the running one goes on', async () => {
      const gated = gatedScan();
      const ex = executor(gated.scan);
      const [first, second] = [randomUUID(), randomUUID()];
      ex.handle(scanCommand({ id: first }));
      ex.handle(scanCommand({ id: second }));
      await waitFor(() => gated.started() === 1);
      expect(ex.cancel(second)).toBe(true);
      gated.release();
      await ex.whenIdle();
      expect(gated.started()).toBe(1);
      const final = (id: string) =>
        updates.filter((u) => u.commandId === id).map((u) => CommandState[u.state]);
      expect(final(first)).toEqual([
        'COMMAND_STATE_DELIVERED',
        'COMMAND_STATE_STARTED',
        'COMMAND_STATE_SUCCEEDED',
      ]);
      expect(final(second)).toEqual(['COMMAND_STATE_DELIVERED', 'COMMAND_STATE_CANCELLED']);
      expect(executed.get(second)?.state).toBe('cancelled');
    });

    it('on shutdown drops queued commands unrecorded, so the controller delivers them again', async () => {
      const gated = gatedScan();
      const ex = executor(gated.scan);
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of ids) ex.handle(scanCommand({ id }));
      await waitFor(() => gated.started() === 1);
      await ex.shutdown();
      expect(gated.started()).toBe(1);
      expect(ids.filter((id) => executed.has(id))).toEqual([]);
      expect(states().filter((s) => s !== 'COMMAND_STATE_DELIVERED')).toEqual([
        'COMMAND_STATE_STARTED',
      ]);
      expect(ex.runningCount).toBe(0);
    });

    it('bounds threads to the host cores and says so', async () => {
      const calls: ScanOptions[] = [];
      const lines: string[] = [];
      const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
      const ex = executor(fakeScan(0, 0, calls), undefined, undefined, {
        log,
        workerFile: '/opt/log4fleet-agent/scan-worker.js',
      });
      const command = scanCommand();
      if (command.kind?.$case === 'scan') {
        command.kind.value.threads = 256;
        command.kind.value.maxNestedBytes = 256 * 1024 * 1024;
      }
      ex.handle(command);
      await ex.whenIdle();
      const threads = Math.min(os.availableParallelism(), MAX_SCAN_THREADS);
      expect(calls[0]?.threads).toBe(threads);
      expect(calls[0]?.limits.maxNestedBytes).toBe(Math.floor((128 * 1024 * 1024) / threads));
      const clamped = lines
        .map((l) => JSON.parse(l) as { msg: string; clamped?: unknown })
        .find((l) => l.clamped);
      expect(clamped?.clamped).toEqual(
        expect.arrayContaining([{ field: 'threads', asked: 256, used: threads }]),
      );
      expect(states().at(-1)).toBe('COMMAND_STATE_SUCCEEDED');
    });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error('condition not reached');
}
