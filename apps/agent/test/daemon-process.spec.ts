import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CommandState, type Command, type UploadResultsRequest } from '@log4fleet/contracts';
import { Outbox } from '../src/daemon/outbox';
import { buildAgentBundle, exited, REPO_ROOT, runAgent, spawnAgent } from './support/agent-process';
import { FakeController } from './support/fake-controller';
import { waitFor } from './support/wait';

// The bundled agent (dist/apps/agent/main.js) as separate processes against a real
// @grpc/grpc-js server on 127.0.0.1, with the real scanner engine.

jest.setTimeout(90_000);

const VULNERABLE_JAR = path.join(
  REPO_ROOT,
  'libs/scanner/test/fixtures/corpus/log4j-core-2.14.1.jar',
);
const RUN_FLAGS = [
  '--heartbeat-interval',
  '1',
  '--reconnect-window-ms',
  '200',
  '--backoff-initial-ms',
  '100',
  '--backoff-max-ms',
  '1000',
];

function scanCommand(paths: string[]): Command {
  const value = {
    paths: paths.map((p) => Buffer.from(p)),
    exclude: [],
    includeNetworkFs: false,
    oneFileSystem: false,
    maxDepth: 0,
    maxNestedBytes: 0,
    threads: 1,
    nice: false,
    processes: false,
    processesOnly: false,
  };
  return {
    id: randomUUID(),
    issuedAtMs: Date.now(),
    expiresAtMs: Date.now() + 600_000,
    kind: { $case: 'scan', value },
    signature: Buffer.alloc(0),
    agentId: '',
  };
}

function logLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('bundled agent processes against a real gRPC server', () => {
  let controller: FakeController;
  let work: string;
  let stateDir: string;
  const children: Array<ReturnType<typeof spawnAgent>> = [];

  beforeAll(() => buildAgentBundle());

  beforeEach(async () => {
    controller = new FakeController();
    await controller.start();
    work = await mkdtemp(path.join(os.tmpdir(), 'daemon-proc-'));
    stateDir = path.join(work, 'state');
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
    controller.stop();
    await rm(work, { recursive: true, force: true });
  });

  async function enrollCli(): Promise<string> {
    controller.tokens.add('tok-proc');
    const result = await runAgent(
      ['enroll', '--controller', controller.url, '--insecure', '--state-dir', stateDir],
      { LOG4FLEET_ENROLL_TOKEN: 'tok-proc' },
    );
    expect(result.code).toBe(0);
    const agentId = /agent id (\S+),/.exec(result.stdout)?.[1];
    if (!agentId) throw new Error(`no agent id in: ${result.stdout}`);
    return agentId;
  }

  function startAgent(): ReturnType<typeof spawnAgent> {
    const child = spawnAgent(['run', ...RUN_FLAGS], { LOG4FLEET_STATE_DIR: stateDir });
    children.push(child);
    return child;
  }

  it('enroll prints the agent and host ids and stores private credentials', async () => {
    controller.tokens.add('tok-1');
    const result = await runAgent([
      'enroll',
      '--controller',
      controller.url,
      '--token',
      'tok-1',
      '--insecure',
      '--state-dir',
      stateDir,
    ]);
    expect(result.code).toBe(0);
    const [agentId] = [...controller.agents.keys()];
    expect(result.stdout).toContain(
      `agent id ${agentId}, host id ${controller.agents.get(agentId)?.hostId}`,
    );
    expect((await stat(path.join(stateDir, 'credentials.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
  });

  it('enroll fails with a message and exit code naming the problem', async () => {
    const base = ['enroll', '--insecure', '--state-dir', stateDir, '--token', 'wrong'];
    const badToken = await runAgent([...base, '--controller', controller.url]);
    expect(badToken).toMatchObject({ code: 77, stderr: expect.stringMatching(/token rejected/) });
    const badUrl = await runAgent([...base, '--controller', 'http://127.0.0.1:1']);
    expect(badUrl).toMatchObject({ code: 64, stderr: expect.stringMatching(/bad controller URL/) });
    const unreachable = await runAgent([
      ...base,
      '--controller',
      'grpc://127.0.0.1:1',
      '--timeout',
      '3',
    ]);
    expect(unreachable).toMatchObject({ code: 69, stderr: expect.stringMatching(/unreachable/) });
    await enrollCli();
    const again = await runAgent([...base, '--controller', controller.url]);
    expect(again).toMatchObject({
      code: 78,
      stderr: expect.stringMatching(/already enrolled.*--force/),
    });
  });

  it('runs a command delivered twice once, uploads its chunks, and stops cleanly on SIGTERM', async () => {
    const agentId = await enrollCli();
    const target = path.join(work, 'srv');
    await mkdir(path.join(target, 'lib'), { recursive: true });
    await copyFile(VULNERABLE_JAR, path.join(target, 'lib/log4j-core-2.14.1.jar'));
    // 600 zips cut short: 600 scan errors, more than one chunk holds (500).
    await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        writeFile(path.join(target, `broken-${i}.jar`), `PK\x03\x04cut short ${i}`),
      ),
    );
    const agent = startAgent();
    await waitFor(() => controller.isConnected(agentId), 'the agent to connect');
    const command = scanCommand([target]);
    controller.push(agentId, command);
    controller.push(agentId, command);

    await waitFor(
      () => controller.storedChunks(agentId, command.id).length === 2,
      'two result chunks',
      60_000,
    );
    const chunks = controller.storedChunks(agentId, command.id);
    expect(chunks.map((c) => [c.errors.length, c.findings.length])).toEqual([
      [500, 1],
      [100, 0],
    ]);
    const finding = chunks[0].findings[0];
    expect(finding).toMatchObject({
      product: 'log4j-core',
      version: '2.14.1',
      status: 'vulnerable',
    });
    expect(finding.cves).toContain('CVE-2021-44228');
    expect(chunks[1].summary).toMatchObject({ findings: 1, errors: 600, vulnerable: 1 });
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
    const states = controller
      .updates(agentId, command.id)
      .map((m) => (m.kind?.$case === 'update' ? m.kind.value : undefined));
    expect(states.filter((u) => u?.state === CommandState.COMMAND_STATE_DELIVERED)).toHaveLength(1);
    expect(states.find((u) => u?.state === CommandState.COMMAND_STATE_SUCCEEDED)?.totalChunks).toBe(
      2,
    );

    agent.kill('SIGTERM');
    const result = await exited(agent);
    expect(result.code).toBe(0);
    const lines = logLines(result.stderr);
    expect(lines.filter((l) => l['msg'] === 'scan started')).toHaveLength(1);
    expect(lines.at(-1)?.['msg']).toBe('agent daemon stopped');
  });

  it('delivers the rest of the outbox after being killed (SIGKILL) mid-upload and restarted', async () => {
    const agentId = await enrollCli();
    const commandId = randomUUID();
    const outbox = await Outbox.open(stateDir);
    for (let sequence = 0; sequence < 10; sequence += 1) {
      const chunk: UploadResultsRequest = {
        commandId,
        sequence,
        totalChunks: 10,
        findings: [],
        errors: [
          { chain: [Buffer.from(`/x/${sequence}.jar`)], code: 'corrupt-archive', message: 'bad' },
        ],
        summary: undefined,
      };
      await outbox.put(chunk);
    }
    let release: (() => void) | undefined;
    controller.onUpload = (chunk) => {
      if (chunk.sequence !== 4 || release) return;
      // Hold the answer of chunk 4 until the agent is dead.
      return new Promise<void>((resolve) => (release = resolve));
    };
    const first = startAgent();
    await waitFor(() => release !== undefined, 'the upload of chunk 4');
    first.kill('SIGKILL');
    expect((await exited(first)).signal).toBe('SIGKILL');
    release?.();
    expect(controller.storedChunks(agentId, commandId).map((c) => c.sequence)).toEqual([
      0, 1, 2, 3,
    ]);

    startAgent();
    await waitFor(
      () => controller.storedChunks(agentId, commandId).length === 10,
      'all ten chunks',
    );
    expect(controller.storedChunks(agentId, commandId).map((c) => c.sequence)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    for (const sequence of [0, 1, 2, 3])
      expect(controller.uploadCalls.get(`${agentId}/${commandId}/${sequence}`)).toBe(1);
    await waitFor(async () => (await outbox.count()) === 0, 'an empty outbox');
  });

  it('refuses a second daemon on the same state directory', async () => {
    const agentId = await enrollCli();
    startAgent();
    await waitFor(() => controller.isConnected(agentId), 'the first agent to connect');
    const second = await runAgent(['run', '--state-dir', stateDir]);
    expect(second).toMatchObject({
      code: 78,
      stderr: expect.stringMatching(/another agent \(pid \d+\) is running/),
    });
  });

  it('keeps its credentials in the state directory named by LOG4FLEET_STATE_DIR', async () => {
    controller.tokens.add('tok-env');
    const result = await runAgent(
      ['enroll', '--controller', controller.url, '--token', 'tok-env', '--insecure'],
      { LOG4FLEET_STATE_DIR: stateDir },
    );
    expect(result.code).toBe(0);
    expect(
      JSON.parse(await readFile(path.join(stateDir, 'credentials.json'), 'utf8')),
    ).toMatchObject({ controllerUrl: controller.url });
  });
});
