import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { CommandState, type Command } from '@log4fleet/contracts';
import type { Finding, ScanOptions, ScanSink, ScanSummary } from '@log4fleet/scanner';
import { enroll } from '../src/daemon/enroll';
import { Outbox } from '../src/daemon/outbox';
import { startDaemon, type RunningDaemon } from '../src/daemon/run';
import type { ScanFn } from '../src/daemon/scan-mapping';
import { FakeController } from './support/fake-controller';
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

function scanCommand(id = randomUUID()): Command {
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

  async function run(scan: ScanFn): Promise<void> {
    daemon = await startDaemon({
      stateDir,
      log: pino({ level: 'silent' }),
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
