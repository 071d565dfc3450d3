import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ProcessResult } from './support/agent-process';
import { AGENT_MAIN, ensureBuilt, REPO_ROOT } from './support/build';
import { ControllerProcess } from './support/controller-process';
import { eventually } from './support/ports';

// Issue 12 M7 (enrollment trusted whichever server answered) and the revoked agent that
// retried for ever: the built controller over TLS, bundled agent processes, the REST API.

jest.setTimeout(120_000);

const EXIT_REVOKED = 77;

interface TokenDto {
  id: string;
  token: string;
  uses: number;
  controllerFingerprint: string | null;
}
interface HostDetail {
  agents: Array<{ id: string; revoked: boolean; connected: boolean }>;
}

function selfSigned(dir: string, name: string): { certFile: string; keyFile: string } {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

/** As `openssl x509 -noout -fingerprint -sha256` prints it. */
const opensslFingerprint = (certFile: string): string =>
  execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', certFile])
    .toString()
    .trim();

function collect(child: ChildProcess): Promise<ProcessResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

describe('enrollment trust and revocation against a TLS controller', () => {
  let work: string;
  let controller: ControllerProcess;
  let certFile: string;
  let impostorCert: string;
  const daemons: ChildProcess[] = [];

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'e2e-trust-'));
    const pair = selfSigned(work, 'controller');
    certFile = pair.certFile;
    impostorCert = selfSigned(work, 'impostor').certFile;
    controller = await ControllerProcess.start(
      { type: 'sqlite', dir: work },
      { GRPC_TLS_CERT: pair.certFile, GRPC_TLS_KEY: pair.keyFile, GRPC_INSECURE: undefined },
    );
  });

  afterAll(async () => {
    for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
    await controller?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const grpcsUrl = (): string => `grpcs://127.0.0.1:${controller.grpcPort}`;

  function agentEnv(host: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env['PATH'],
      LOG4FLEET_STATE_DIR: path.join(work, host),
      LOG4FLEET_HOSTNAME: host,
      LOG4FLEET_MACHINE_ID: `e2e-trust-${host}`,
      ...extra,
    };
  }

  function agent(host: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    return spawn(process.execPath, [AGENT_MAIN, ...args], {
      cwd: REPO_ROOT,
      env: agentEnv(host, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  const enroll = (host: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    collect(agent(host, ['enroll', '--controller', grpcsUrl(), ...args], env));

  function startDaemon(host: string): { child: ChildProcess; exit: Promise<ProcessResult> } {
    const child = agent(host, ['run', '--backoff-initial-ms', '100', '--backoff-max-ms', '500']);
    daemons.push(child);
    return { child, exit: collect(child) };
  }

  const newToken = (): Promise<TokenDto> =>
    controller.api<TokenDto>('POST', '/enrollment-tokens', { name: 'trust', maxUses: 1 });
  const uses = async (token: TokenDto): Promise<number> =>
    (await controller.api<TokenDto>('GET', `/enrollment-tokens/${token.id}`)).uses;
  const credentials = (host: string): { agentId: string; hostId: string } =>
    JSON.parse(readFileSync(path.join(work, host, 'credentials.json'), 'utf8')) as {
      agentId: string;
      hostId: string;
    };

  it('M7: shows the controller fingerprint, and --fingerprint keeps the token from any other server', async () => {
    const real = new X509Certificate(readFileSync(certFile)).fingerprint256;
    const expected = `sha256:${real.replace(/:/g, '').toLowerCase()}`;
    expect(await controller.api('GET', '/controller-certificate')).toEqual({
      tls: true,
      sha256: expected,
      openssl: real,
    });
    expect(controller.log).toContain(expected);
    const token = await newToken();
    expect(token.controllerFingerprint).toBe(expected);

    // The impostor's fingerprint stands for a controller other than the one that answers.
    const wrong = await enroll('web-1', ['--fingerprint', opensslFingerprint(impostorCert)], {
      LOG4FLEET_ENROLL_TOKEN: token.token,
    });
    expect(wrong.code).toBe(77);
    expect(wrong.stderr).toContain(`presented certificate sha256 ${real}`);
    expect(wrong.stderr).toContain('was not sent');
    expect(await uses(token)).toBe(0);

    // The right one, as openssl prints it, with the token in a file.
    const tokenFile = path.join(work, 'token');
    writeFileSync(tokenFile, `${token.token}\n`, { mode: 0o600 });
    const right = await enroll('web-1', [
      '--fingerprint',
      opensslFingerprint(certFile),
      '--token-file',
      tokenFile,
    ]);
    expect(right).toMatchObject({ code: 0 });
    expect(right.stdout).toContain('verified and pinned');
    expect(await uses(token)).toBe(1);

    // sha256:<hex> and the token in the environment.
    const second = await newToken();
    const viaEnv = await enroll('web-2', ['--fingerprint', expected], {
      LOG4FLEET_ENROLL_TOKEN: second.token,
    });
    expect(viaEnv).toMatchObject({ code: 0 });
    expect(await uses(second)).toBe(1);
  });

  it('a revoked agent process stops for good with exit code 77 and says why', async () => {
    const token = await newToken();
    expect(
      await enroll('db-1', ['--fingerprint', opensslFingerprint(certFile)], {
        LOG4FLEET_ENROLL_TOKEN: token.token,
      }),
    ).toMatchObject({ code: 0 });
    const { agentId, hostId } = credentials('db-1');
    const daemon = startDaemon('db-1');
    await eventually('the agent connected', async () => {
      const host = await controller.api<HostDetail>('GET', `/hosts/${hostId}`);
      return host.agents.find((a) => a.id === agentId)?.connected;
    });
    await controller.api('POST', `/agents/${agentId}/revoke`);
    let exited: ProcessResult | undefined;
    void daemon.exit.then((result) => (exited = result));
    const exit = await eventually('the revoked agent to exit', () => exited, 30_000);
    expect(exit.code).toBe(EXIT_REVOKED);
    expect(exit.stderr).toMatch(/revoked agent .* \(revoked by .+ at .+\).*enroll it again/);
    const revokedLines = exit.stderr
      .split('\n')
      .filter((l) => l.includes('"exitCode":77') || l.startsWith('log4fleet-agent run:'));
    expect(revokedLines).toHaveLength(2);
    expect(exit.stderr).not.toContain('reconnecting');
  });

  it("re-enrolls in place with the agent's own credential while it runs, and goes on as the new agent", async () => {
    const token = await newToken();
    expect(
      await enroll('app-1', ['--fingerprint', opensslFingerprint(certFile)], {
        LOG4FLEET_ENROLL_TOKEN: token.token,
      }),
    ).toMatchObject({ code: 0 });
    const before = credentials('app-1');
    const daemon = startDaemon('app-1');
    await eventually('the agent connected', async () => {
      const host = await controller.api<HostDetail>('GET', `/hosts/${before.hostId}`);
      return host.agents.find((a) => a.id === before.agentId)?.connected;
    });
    // A plain token: the stored credential is the proof, and the stored pin the trust.
    const again = await enroll('app-1', ['--force'], {
      LOG4FLEET_ENROLL_TOKEN: (await newToken()).token,
    });
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain(`replaces agent ${before.agentId}`);
    const after = credentials('app-1');
    expect(after.hostId).toBe(before.hostId);
    await eventually('the daemon back as the new agent', async () => {
      const host = await controller.api<HostDetail>('GET', `/hosts/${before.hostId}`);
      return host.agents.find((a) => a.id === after.agentId)?.connected;
    });
    expect(daemon.child.exitCode).toBeNull();
    daemon.child.kill('SIGTERM');
    expect((await daemon.exit).code).toBe(0);
  });
});
