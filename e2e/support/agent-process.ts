import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { AGENT_MAIN, REPO_ROOT } from './build';

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * One simulated host: its own state directory, hostname and machine id (the controller
 * tells hosts apart by machine id), running the bundled agent.
 */
export class AgentHost {
  private daemon: ChildProcess | undefined;
  private exited: Promise<ProcessResult> | undefined;
  log = '';

  constructor(
    readonly name: string,
    readonly dir: string,
    /** Another agent's machine id: a second agent on the same machine. */
    private readonly machineId = `e2e-${name}-${path.basename(dir)}`,
  ) {}

  get stateDir(): string {
    return path.join(this.dir, 'state');
  }

  get outboxDir(): string {
    return path.join(this.stateDir, 'outbox');
  }

  private env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env['PATH'],
      LOG4FLEET_STATE_DIR: this.stateDir,
      LOG4FLEET_HOSTNAME: this.name,
      LOG4FLEET_MACHINE_ID: this.machineId,
    };
  }

  /**
   * Enrolls this agent with a one-use token created through `controller`'s API; the host id.
   * Throws with the agent's output when enrollment fails.
   */
  async enrollWithNewToken(
    controller: {
      grpcUrl: string;
      api<T>(method: string, route: string, body?: unknown): Promise<T>;
    },
    tokenName: string,
  ): Promise<string> {
    const created = await controller.api<{ token: string }>('POST', '/enrollment-tokens', {
      name: tokenName,
      maxUses: 1,
    });
    const enrolled = await this.enroll(controller.grpcUrl, created.token);
    const hostId = /host id (\S+)/.exec(enrolled.stdout)?.[1];
    if (enrolled.code !== 0 || !hostId)
      throw new Error(`enroll exited ${enrolled.code}: ${enrolled.stdout}${enrolled.stderr}`);
    return hostId;
  }

  /** `extraArgs`: more options of `enroll`, e.g. --instance. */
  async enroll(
    controllerUrl: string,
    token: string,
    extraArgs: string[] = [],
  ): Promise<ProcessResult> {
    const child = spawn(
      process.execPath,
      [
        AGENT_MAIN,
        'enroll',
        '--controller',
        controllerUrl,
        '--token',
        token,
        '--insecure',
        ...extraArgs,
      ],
      {
        cwd: REPO_ROOT,
        env: this.env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return collect(child);
  }

  startDaemon(): void {
    const args = [
      'run',
      '--reconnect-window-ms',
      '1000',
      '--backoff-initial-ms',
      '200',
      '--backoff-max-ms',
      '2000',
    ];
    const child = spawn(process.execPath, [AGENT_MAIN, ...args], {
      cwd: REPO_ROOT,
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.daemon = child;
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.exited = collect(child);
  }

  /** How the daemon ended, once it has (it may end on its own: revoked, exit code 77). */
  exit(): Promise<ProcessResult> | undefined {
    return this.exited;
  }

  pause(): void {
    this.daemon?.kill('SIGSTOP');
  }

  resume(): void {
    this.daemon?.kill('SIGCONT');
  }

  async stop(): Promise<ProcessResult | undefined> {
    const child = this.daemon;
    if (!child || !this.exited) return undefined;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  /** Ends the daemon with `signal` (SIGKILL: as an OOM kill or a power cut would) and waits for it. */
  async kill(signal: NodeJS.Signals): Promise<ProcessResult | undefined> {
    const child = this.daemon;
    if (!child || !this.exited) return undefined;
    child.kill(signal);
    return this.exited;
  }

  async outboxChunks(): Promise<number> {
    const names = await fsp.readdir(this.outboxDir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.chunk')).length;
  }

  logLines(): Array<Record<string, unknown>> {
    return this.log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

function collect(child: ChildProcess): Promise<ProcessResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}
