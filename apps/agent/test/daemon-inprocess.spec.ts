import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import {
  AGENT_REPORTED_STATES,
  AGENT_STATE_WIRE,
  CommandState,
  type Command,
} from '@log4fleet/contracts';
import type { Finding, ScanOptions, ScanSink, ScanSummary } from '@log4fleet/scanner';
import { enroll } from '../src/daemon/enroll';
import { Outbox } from '../src/daemon/outbox';
import { startDaemon, type RunningDaemon } from '../src/daemon/run';
import type { ScanFn } from '../src/daemon/scan-mapping';
import { FakeController } from './support/fake-controller';
import { OVERSIZED, rawHeartbeatAckMessage, rawScanCommandMessage } from './support/raw-messages';
import { waitFor } from './support/wait';

// The daemon in this process against a real @grpc/grpc-js server on 127.0.0.1; the scan
// engine is injected (it is tested in libs/scanner). Process-level tests: daemon-process.spec.ts.

const hostFacts = () =>
  Promise.resolve({
    hostname: 'web-1',
    fqdn: 'web-1.example',
    machineId: 'm1',
    osName: 'Debian',
    osVersion: '12',
    kernel: '6.1',
    arch: 'x64',
    addresses: ['10.0.0.5'],
  });

function scanCommand(id: string = randomUUID()): Command {
  const value = {
    paths: [Buffer.from('/srv')],
    exclude: [],
    includeNetworkFs: false,
    oneFileSystem: false,
    maxDepth: 0,
    maxNestedBytes: 0,
    threads: 0,
    nice: false,
    processes: false,
    processesOnly: false,
  };
  return {
    id,
    issuedAtMs: Date.now(),
    expiresAtMs: Date.now() + 600_000,
    kind: { $case: 'scan', value },
    signature: Buffer.alloc(0),
    agentId: '',
  };
}

function countingScan(findings: number): { scan: ScanFn; calls: ScanOptions[] } {
  const calls: ScanOptions[] = [];
  const scan: ScanFn = (options: ScanOptions, sink: ScanSink) => {
    calls.push(options);
    for (let i = 0; i < findings; i += 1) {
      const file = `/srv/app-${i}/lib/log4j-core-2.14.1.jar`;
      const f: Finding = {
        product: 'log4j-core',
        version: '2.14.1',
        versionExact: true,
        status: 'vulnerable',
        cves: ['CVE-2021-44228'],
        evidence: [],
        packageRoot: 'org/apache/logging/log4j/',
        path: file,
        chain: [file],
      };
      sink.finding(f);
    }
    const now = new Date().toISOString();
    const summary: ScanSummary = {
      files: findings,
      directories: 1,
      archives: findings,
      bytes: 0,
      findings,
      errors: 0,
      vulnerable: findings,
      mitigated: 0,
      safe: 0,
      unknown: 0,
      durationMs: 1,
      startedAt: now,
      finishedAt: now,
    };
    return Promise.resolve(summary);
  };
  return { scan, calls };
}

describe('agent daemon against a real gRPC server (in process)', () => {
  let controller: FakeController;
  let stateDir: string;
  let daemon: RunningDaemon | undefined;

  beforeEach(async () => {
    controller = new FakeController();
    await controller.start();
    stateDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'daemon-it-')), 'state');
  });

  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    controller.stop();
    await rm(path.dirname(stateDir), { recursive: true, force: true });
  });

  async function enrolled(): Promise<string> {
    controller.tokens.add('tok-1');
    const { credentials } = await enroll({
      stateDir,
      controllerUrl: controller.url,
      token: 'tok-1',
      insecure: true,
      force: false,
      agentVersion: 'test',
      timeoutMs: 5000,
      hostFacts,
    });
    return credentials.agentId;
  }

  async function run(scan: ScanFn, log = pino({ level: 'silent' })): Promise<void> {
    daemon = await startDaemon({
      stateDir,
      log,
      scan,
      agentVersion: 'test',
      heartbeatMs: 100,
      reconnectWindowMs: 100,
      backoff: { initialMs: 50, maxMs: 500 },
    });
  }

  it('enroll stores the credentials in a private state directory and refuses to enroll twice', async () => {
    const agentId = await enrolled();
    const file = path.join(stateDir, 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(stored).toMatchObject({
      agentId,
      controllerUrl: controller.url,
      tags: ['dmz', 'web'],
      tls: { mode: 'insecure' },
    });
    expect(stored.secret).toBe(controller.agents.get(agentId)?.secret);
    expect(controller.agents.get(agentId)?.request.host).toMatchObject({
      hostname: 'web-1',
      machineId: 'm1',
    });

    controller.tokens.add('tok-2');
    const again = {
      stateDir,
      controllerUrl: controller.url,
      token: 'tok-2',
      insecure: true,
      force: false,
      agentVersion: 'test',
      timeoutMs: 5000,
      hostFacts,
    };
    await expect(enroll(again)).rejects.toThrow(/already enrolled.*--force/);
    const forced = await enroll({ ...again, force: true });
    expect(forced.credentials.agentId).not.toBe(agentId);
  });

  it('enroll names the problem: bad token, unreachable controller, plaintext without --insecure', async () => {
    const base = {
      stateDir,
      controllerUrl: controller.url,
      token: 'nope',
      insecure: true,
      force: false,
      agentVersion: 'test',
      timeoutMs: 3000,
      hostFacts,
    };
    await expect(enroll(base)).rejects.toMatchObject({
      message: expect.stringMatching(/token rejected/),
      exitCode: 77,
    });
    await expect(enroll({ ...base, insecure: false })).rejects.toThrow(/refusing plaintext/);
    controller.stop();
    await expect(enroll(base)).rejects.toMatchObject({
      message: expect.stringMatching(/unreachable/),
      exitCode: 69,
    });
  });

  it('connects with its credential, says hello, heartbeats, and runs a command delivered twice once', async () => {
    const agentId = await enrolled();
    const { scan, calls } = countingScan(1001);
    await run(scan);
    await waitFor(() => controller.isConnected(agentId), 'the control stream');
    const command = scanCommand();
    controller.push(agentId, command);
    controller.push(agentId, command);

    await waitFor(
      () => controller.storedChunks(agentId, command.id).length === 3,
      'three result chunks',
    );
    await waitFor(
      () => controller.messages.some((m) => m.message.kind?.$case === 'heartbeat'),
      'a heartbeat',
    );
    await waitFor(
      () =>
        controller
          .updates(agentId, command.id)
          .some(
            (m) =>
              m.kind?.$case === 'update' &&
              m.kind.value.state === CommandState.COMMAND_STATE_SUCCEEDED,
          ),
      'SUCCEEDED',
    );
    expect(calls).toHaveLength(1);
    const hello = controller.messages.find((m) => m.agentId === agentId)?.message.kind;
    expect(hello).toMatchObject({
      $case: 'hello',
      value: { agentVersion: 'test', host: { hostname: os.hostname(), kernel: os.release() } },
    });
    const updates = controller
      .updates(agentId, command.id)
      .map((m) => (m.kind?.$case === 'update' ? m.kind.value : undefined));
    const succeeded = updates.filter((u) => u?.state === CommandState.COMMAND_STATE_SUCCEEDED);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]?.totalChunks).toBe(3);
    expect(controller.storedChunks(agentId, command.id).map((c) => c.findings.length)).toEqual([
      500, 500, 1,
    ]);
    await waitFor(
      async () => (await (await Outbox.open(stateDir)).count()) === 0,
      'an empty outbox',
    );
  });

  it('delivers every chunk once after the controller dies mid-upload and comes back on the same port', async () => {
    const agentId = await enrolled();
    let killed = 0;
    controller.afterStore = (chunk) => {
      if (chunk.sequence !== 2 || killed > 0) return;
      killed += 1;
      // The chunk is stored but its answer is lost: the agent must send it again.
      controller.stop();
      setTimeout(() => void controller.start(), 300);
    };
    await run(countingScan(2600).scan);
    await waitFor(() => controller.isConnected(agentId), 'the control stream');
    const command = scanCommand();
    controller.push(agentId, command);

    await waitFor(
      () => controller.storedChunks(agentId, command.id).length === 6,
      'all six chunks',
      30_000,
    );
    expect(killed).toBe(1);
    expect(controller.storedChunks(agentId, command.id).map((c) => c.sequence)).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
    expect(controller.uploadCalls.get(`${agentId}/${command.id}/2`)).toBe(2);
    await waitFor(() => controller.isConnected(agentId), 'the control stream again');
    await waitFor(
      async () => (await (await Outbox.open(stateDir)).count()) === 0,
      'an empty outbox',
    );
  });

  it('acks a command redelivered after a reconnect without running it again', async () => {
    const agentId = await enrolled();
    const { scan, calls } = countingScan(1);
    await run(scan);
    await waitFor(() => controller.isConnected(agentId), 'the control stream');
    const command = scanCommand();
    controller.push(agentId, command);
    await waitFor(() => controller.storedChunks(agentId, command.id).length === 1, 'the result');
    const connectsBefore = controller.connects;
    controller.stop();
    await controller.start();
    await waitFor(
      () => controller.connects > connectsBefore && controller.isConnected(agentId),
      'a reconnect',
    );
    controller.push(agentId, command);
    await waitFor(
      () =>
        controller
          .updates(agentId, command.id)
          .filter(
            (m) =>
              m.kind?.$case === 'update' &&
              m.kind.value.state === CommandState.COMMAND_STATE_SUCCEEDED,
          ).length === 2,
      'a second SUCCEEDED ack',
    );
    expect(calls).toHaveLength(1);
  });

  const statesOf = (agentId: string, commandId: string): string[] =>
    controller
      .updates(agentId, commandId)
      .map((m) => (m.kind?.$case === 'update' ? CommandState[m.kind.value.state] : '?'));

  it('C1: refuses a command whose id climbs out of the state directory; what it names stays', async () => {
    const agentId = await enrolled();
    // The work directory is <root>/state/work: "../../victim-dir" is <root>/victim-dir.
    const victim = path.join(path.dirname(stateDir), 'victim-dir');
    await mkdir(victim);
    await writeFile(path.join(victim, 'precious.txt'), 'keep me');
    const lines: string[] = [];
    const { scan, calls } = countingScan(1);
    await run(scan, pino({ level: 'info' }, { write: (line: string) => lines.push(line) }));
    await waitFor(() => controller.isConnected(agentId), 'the control stream');
    const bad = [
      '../../victim-dir',
      victim,
      '..',
      '../../victim-dir\u0000',
      randomUUID().toUpperCase(),
    ];
    for (const id of bad) controller.push(agentId, scanCommand(id));
    const good = scanCommand();
    controller.push(agentId, good);
    await waitFor(
      () => statesOf(agentId, good.id).includes('COMMAND_STATE_SUCCEEDED'),
      'the good one',
    );

    expect(await readFile(path.join(victim, 'precious.txt'), 'utf8')).toBe('keep me');
    expect(calls).toHaveLength(1);
    for (const id of bad) expect(statesOf(agentId, id)).toEqual([]);
    const refused = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; commandId?: string })
      .filter((l) => l.level === 50 && /refused: not a lowercase canonical UUID/.test(l.msg));
    expect(refused.map((l) => l.commandId)).toEqual(bad);
    expect(controller.connects).toBe(1);
  });

  it('H2: a command the agent cannot decode fails alone; the stream stays and the next command runs', async () => {
    const agentId = await enrolled();
    const { scan, calls } = countingScan(1);
    await run(scan);
    await waitFor(() => controller.isConnected(agentId), 'the control stream');
    const oversized = randomUUID();
    controller.pushRaw(
      agentId,
      rawScanCommandMessage({ id: oversized, maxNestedBytes: OVERSIZED }),
    );
    controller.pushRaw(agentId, rawHeartbeatAckMessage(OVERSIZED));
    // The same with an id that is no command id: refused, never reported.
    controller.pushRaw(
      agentId,
      rawScanCommandMessage({ id: '../../victim-dir', maxNestedBytes: OVERSIZED }),
    );
    const next = scanCommand();
    controller.push(agentId, next);

    await waitFor(() => statesOf(agentId, next.id).includes('COMMAND_STATE_SUCCEEDED'), 'the next');
    await waitFor(() => statesOf(agentId, oversized).length > 0, 'the failure');
    expect(statesOf(agentId, oversized)).toEqual(['COMMAND_STATE_FAILED']);
    const [failure] = controller.updates(agentId, oversized);
    expect(failure?.kind?.$case === 'update' && failure.kind.value.message).toBe(
      'command cannot be decoded: command.scan.max_nested_bytes = 1152921504606846976 is out of range for this agent: Value is larger than Number.MAX_SAFE_INTEGER',
    );
    expect(statesOf(agentId, '../../victim-dir')).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(controller.connects).toBe(1);
    expect(controller.isConnected(agentId)).toBe(true);

    // Redelivered after a reconnect, it is acknowledged as failed again.
    const executedFile = path.join(stateDir, 'executed-commands.json');
    await waitFor(
      async () =>
        (
          JSON.parse(await readFile(executedFile, 'utf8')) as Array<{
            id: string;
            confirmed: boolean;
          }>
        ).some((e) => e.id === oversized && e.confirmed),
      'the failure confirmed',
    );
    const failuresBefore = statesOf(agentId, oversized).length;
    controller.stop();
    await controller.start();
    await waitFor(
      () => controller.connects === 2 && controller.isConnected(agentId),
      'a reconnect',
    );
    controller.pushRaw(
      agentId,
      rawScanCommandMessage({ id: oversized, maxNestedBytes: OVERSIZED }),
    );
    await waitFor(
      () => statesOf(agentId, oversized).length > failuresBefore,
      'the failure acknowledged again',
    );
    expect(statesOf(agentId, oversized).slice(failuresBefore)).toEqual(['COMMAND_STATE_FAILED']);
    expect(calls).toHaveLength(1);
  });

  it('M2: five commands pushed together run one after another, in the order they came', async () => {
    const agentId = await enrolled();
    const { scan, calls } = countingScan(1);
    await run(scan);
    await waitFor(() => controller.isConnected(agentId), 'the control stream');
    const commands = Array.from({ length: 5 }, () => scanCommand());
    for (const command of commands) controller.push(agentId, command);
    const ids: string[] = commands.map((c) => c.id);
    await waitFor(
      () => ids.every((id) => statesOf(agentId, id).includes('COMMAND_STATE_SUCCEEDED')),
      'five results',
    );
    const progress = controller.messages
      .flatMap((m) => (m.message.kind?.$case === 'update' ? [m.message.kind.value] : []))
      .filter(
        (u) =>
          u.state === CommandState.COMMAND_STATE_STARTED ||
          u.state === CommandState.COMMAND_STATE_SUCCEEDED,
      )
      .map((u) => `${ids.indexOf(u.commandId)} ${CommandState[u.state]}`);
    expect(progress).toEqual(
      ids.flatMap((_, i) => [`${i} COMMAND_STATE_STARTED`, `${i} COMMAND_STATE_SUCCEEDED`]),
    );
    expect(calls).toHaveLength(5);
  });

  it('D1: reports a cancelled and an expired command as such and keeps its one stream (no reconnect loop)', async () => {
    // As the real controller: an update in a state outside the shared contract ends the stream,
    // and the agent sends an unconfirmed final state again on every new stream.
    controller.acceptedStates = new Set(
      AGENT_REPORTED_STATES.map((name) => AGENT_STATE_WIRE[name]),
    );
    const agentId = await enrolled();
    await run(() => new Promise<ScanSummary>(() => undefined));
    await waitFor(() => controller.isConnected(agentId), 'the control stream');
    const [running, queued, late] = [scanCommand(), scanCommand(), scanCommand()];
    late.expiresAtMs = Date.now() - 1000;
    const last = (id: string) => statesOf(agentId, id).at(-1);
    controller.push(agentId, running);
    await waitFor(() => last(running.id) === 'COMMAND_STATE_STARTED', 'the first scan running');
    controller.push(agentId, queued);
    await waitFor(() => last(queued.id) === 'COMMAND_STATE_DELIVERED', 'the second one queued');
    controller.cancel(agentId, queued.id);
    controller.cancel(agentId, running.id);
    controller.push(agentId, late);
    await waitFor(
      () =>
        last(running.id) === 'COMMAND_STATE_CANCELLED' &&
        last(queued.id) === 'COMMAND_STATE_CANCELLED' &&
        last(late.id) === 'COMMAND_STATE_EXPIRED',
      'the three final states',
    );
    // Heartbeats after the reports, each acknowledged (which confirms the final states) ...
    const heartbeats = () =>
      controller.messages.filter((m) => m.message.kind?.$case === 'heartbeat').length;
    const seen = heartbeats();
    await waitFor(() => heartbeats() >= seen + 5, 'five more heartbeats');
    // ... all on the stream the agent opened first.
    expect(controller.connects).toBe(1);
    expect(controller.isConnected(agentId)).toBe(true);
  });

  describe('a final update lost with its stream', () => {
    const succeededAcks = (agentId: string, commandId: string) =>
      controller
        .updates(agentId, commandId)
        .filter(
          (m) =>
            m.kind?.$case === 'update' &&
            m.kind.value.state === CommandState.COMMAND_STATE_SUCCEEDED,
        );

    async function runWhileControllerIgnoresTheStream(): Promise<{
      agentId: string;
      command: Command;
    }> {
      const agentId = await enrolled();
      await run(countingScan(3).scan);
      await waitFor(() => controller.isConnected(agentId), 'the control stream');
      controller.ignoreMessages = true;
      const command = scanCommand();
      controller.push(agentId, command);
      // Uploads are separate calls and get through; the SUCCEEDED on the stream does not.
      await waitFor(() => controller.storedChunks(agentId, command.id).length === 1, 'the result');
      expect(succeededAcks(agentId, command.id)).toHaveLength(0);
      return { agentId, command };
    }

    it('is sent again on the next stream', async () => {
      const { agentId, command } = await runWhileControllerIgnoresTheStream();
      controller.stop();
      controller.ignoreMessages = false;
      await controller.start();
      await waitFor(
        () => succeededAcks(agentId, command.id).length > 0,
        'SUCCEEDED on the new stream',
      );
      const [ack] = succeededAcks(agentId, command.id);
      expect(ack?.kind?.$case === 'update' && ack.kind.value.totalChunks).toBe(1);
    });

    it('is sent again by the next agent process when the controller never confirmed it', async () => {
      const { agentId, command } = await runWhileControllerIgnoresTheStream();
      await daemon?.stop();
      daemon = undefined;
      controller.ignoreMessages = false;
      await run(countingScan(3).scan);
      await waitFor(
        () => succeededAcks(agentId, command.id).length > 0,
        'SUCCEEDED from the restarted agent',
      );
    });

    it('is not sent again once a heartbeat ack confirmed it', async () => {
      const agentId = await enrolled();
      await run(countingScan(1).scan);
      await waitFor(() => controller.isConnected(agentId), 'the control stream');
      const command = scanCommand();
      controller.push(agentId, command);
      await waitFor(() => succeededAcks(agentId, command.id).length === 1, 'SUCCEEDED');
      const executedFile = path.join(stateDir, 'executed-commands.json');
      await waitFor(
        async () => JSON.parse(await readFile(executedFile, 'utf8'))[0]?.confirmed === true,
        'the confirmation on disk',
      );
      const connects = controller.connects;
      controller.stop();
      const seenBefore = controller.messages.length;
      await controller.start();
      await waitFor(() => controller.connects > connects, 'a reconnect');
      // Updates re-sent on a new stream come before its second heartbeat.
      await waitFor(
        () =>
          controller.messages.slice(seenBefore).filter((m) => m.message.kind?.$case === 'heartbeat')
            .length >= 2,
        'two heartbeats on the new stream',
      );
      expect(succeededAcks(agentId, command.id)).toHaveLength(1);
    });
  });
});
