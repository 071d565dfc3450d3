import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';

const ROOT = join(__dirname, '..', '..', '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** tmp/ inside the workspace (gitignored; absent in a fresh clone): builds there resolve node_modules. */
function workTmp(): string {
  const dir = join(ROOT, 'tmp');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Compiles the controller (tsc, as `nx run controller:build` does) into a private folder under
 * tmp/ so parallel builds of dist/ by others do not race with this test; node resolves the
 * workspace libs from the repository's node_modules.
 */
export function buildController(): string {
  const out = mkdtempSync(join(workTmp(), 'cluster-build-'));
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'tsc'),
    [
      '-p',
      join(ROOT, 'apps/controller/tsconfig.app.json'),
      '--outDir',
      out,
      '--sourceMap',
      'false',
    ],
    { cwd: ROOT, stdio: 'pipe', timeout: 240_000 },
  );
  return out;
}

export function removeBuild(out: string): void {
  rmSync(out, { recursive: true, force: true });
}

/** A redis-server of the test's own on a loopback port, with an append-only file so a restart keeps the data. */
export class OwnRedis {
  private process: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(workTmp(), 'redis-'));

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--dir',
        this.dir,
      ],
      { stdio: 'ignore' },
    );
    const probe = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      for (let i = 0; i < 100; i++) {
        try {
          await probe.connect();
          if ((await probe.ping()) === 'PONG') return;
        } catch {
          probe.disconnect();
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw new Error(`redis-server on ${this.port} did not start`);
    } finally {
      probe.disconnect();
    }
  }

  /** SIGKILL: the process dies as in a crash; appendfsync always kept every acknowledged write. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A controller process started from the build: `main.js [--role worker]`. */
export class ControllerProcess {
  private child: ChildProcess | null = null;
  output = '';

  constructor(
    private readonly build: string,
    readonly env: Record<string, string>,
    readonly role: 'all' | 'worker' = 'all',
  ) {}

  get httpUrl(): string {
    return `http://127.0.0.1:${this.env.HTTP_PORT}`;
  }

  get grpcAddress(): string {
    return `127.0.0.1:${this.env.GRPC_PORT}`;
  }

  async start(): Promise<void> {
    const args = [
      join(this.build, 'main.js'),
      ...(this.role === 'worker' ? ['--role', 'worker'] : []),
    ];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on(
      'data',
      (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)),
    );
    child.stderr?.on(
      'data',
      (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)),
    );
    const marker = this.role === 'worker' ? 'worker ready' : 'ready http=';
    for (let i = 0; i < 300; i++) {
      if (this.output.includes(marker)) return;
      if (child.exitCode !== null)
        throw new Error(`controller process exited ${child.exitCode}: ${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`controller process not ready: ${this.output.slice(-3000)}`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(signal);
    });
  }
}
