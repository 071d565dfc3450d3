import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { CONTROLLER_MAIN, REPO_ROOT } from './build';
import { eventually, freePort } from './ports';

export type DatabaseChoice = { type: 'sqlite'; dir: string } | { type: 'postgres'; url: string };

/**
 * The built controller (dist/apps/controller/main.js) as a child process on fixed
 * loopback ports, so that a restart comes back where the agents expect it.
 */
export class ControllerProcess {
  readonly adminToken = `l4f_e2eadmin${randomBytes(3).toString('hex')}_${randomBytes(24).toString('hex')}`;
  private child: ChildProcess | undefined;
  private exitedPromise: Promise<void> = Promise.resolve();
  log = '';

  private constructor(
    readonly httpPort: number,
    readonly grpcPort: number,
    private readonly database: DatabaseChoice,
    /** More environment, e.g. GRPC_TLS_CERT and GRPC_TLS_KEY for a TLS controller. */
    private readonly extraEnv: NodeJS.ProcessEnv = {},
  ) {}

  static async start(
    database: DatabaseChoice,
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<ControllerProcess> {
    const controller = new ControllerProcess(
      await freePort(),
      await freePort(),
      database,
      extraEnv,
    );
    await controller.start();
    return controller;
  }

  get grpcUrl(): string {
    return `grpc://127.0.0.1:${this.grpcPort}`;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.httpPort}/api/v1`;
  }

  async start(): Promise<void> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      NODE_ENV: 'production',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(this.httpPort),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(this.grpcPort),
      GRPC_INSECURE: '1',
      LOG4FLEET_ADMIN_TOKEN: this.adminToken,
      HEARTBEAT_INTERVAL_S: '2',
      ...(this.database.type === 'sqlite'
        ? { SQLITE_PATH: path.join(this.database.dir, 'controller.sqlite') }
        : { DATABASE_URL: this.database.url }),
      ...this.extraEnv,
    };
    const child = spawn(process.execPath, [CONTROLLER_MAIN], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.exitedPromise = new Promise((resolve) => child.once('close', () => resolve()));
    try {
      await eventually('the controller to answer on /health/live', async () => {
        if (child.exitCode !== null)
          throw new Error(`controller exited with ${child.exitCode}:\n${this.log.slice(-3000)}`);
        const res = await fetch(`${this.apiUrl}/health/live`).catch(() => undefined);
        return res?.ok ? true : undefined;
      });
    } catch (err) {
      // A controller that never became healthy must not outlive the test.
      await this.kill();
      throw err;
    }
  }

  /** SIGTERM, like systemd or Kubernetes; SIGKILL if it does not go within 20 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await this.exitedPromise;
    clearTimeout(timer);
  }

  /** Hangs the controller (SIGSTOP): connections stay open, nothing is answered. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** A crash: no shutdown hooks run. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.exitedPromise;
  }

  async api<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.apiUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
