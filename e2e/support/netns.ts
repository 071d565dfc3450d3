import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { AGENT_MAIN, CONTROLLER_MAIN, REPO_ROOT } from './build';
import { eventually } from './ports';

/**
 * A controller, agents and an attacker each in a network namespace the test creates, joined by
 * veth pairs, with addresses only inside them. The controller's REST API is reached from the
 * test through a UNIX socket (the filesystem is shared across namespaces); its Redis runs in
 * its namespace, its database is SQLite.
 */
export const NET = {
  ctl4: '10.78.1.2',
  atk4: '10.78.2.2',
  atk6: 'fd78:2::2',
  /** A controller address that exists nowhere. */
  otherCtl4: '10.78.1.99',
  grpcPort: 50051,
  httpPort: 8080,
} as const;

/** The i-th host's addresses on its links to the controller and to the attacker. */
export function hostAddr(i: number): { toCtl4: string; toAtk4: string; toAtk6: string } {
  return {
    toCtl4: `10.78.1.${10 + i}`,
    toAtk4: `10.78.2.${10 + i}`,
    toAtk6: `fd78:2::${(10 + i).toString(16)}`,
  };
}

/** The listeners (plain JS, run with node -e): TCP echo and UDP reply on :: per `tcp:P`/`udp:P`. */
const LISTENERS = `
const net = require('node:net'), dgram = require('node:dgram');
Promise.all(process.argv.slice(1).map((spec) => new Promise((resolve, reject) => {
  const [proto, port] = spec.split(':');
  if (proto === 'tcp') {
    const s = net.createServer((c) => { c.on('data', (d) => c.write(d)); c.on('error', () => c.destroy()); });
    s.once('error', reject); s.listen({ host: '::', port: Number(port), ipv6Only: false }, resolve);
  } else {
    const u = dgram.createSocket({ type: 'udp6', ipv6Only: false });
    u.on('message', (m, r) => u.send(m, r.port, r.address));
    u.once('error', reject); u.bind(Number(port), '::', resolve);
  }
}))).then(() => console.log('ready'), (e) => { console.error(String(e)); process.exit(1); });
`;

/** Probes (node -e): prints a JSON array, true where the target answered within 1.5 s. */
const PROBE = `
const net = require('node:net'), dgram = require('node:dgram');
const targets = JSON.parse(process.argv[1]);
Promise.all(targets.map((t) => new Promise((resolve) => {
  if (t.protocol === 'tcp') {
    const s = net.connect({ host: t.address, port: t.port });
    const done = (ok) => { clearTimeout(timer); s.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), 1500);
    s.once('connect', () => s.write('ping')); s.once('data', () => done(true)); s.once('error', () => done(false));
  } else {
    const u = dgram.createSocket(net.isIPv6(t.address) ? 'udp6' : 'udp4');
    const done = (ok) => { clearTimeout(timer); u.close(); resolve(ok); };
    const timer = setTimeout(() => done(false), 1500);
    u.once('message', () => done(true)); u.once('error', () => done(false));
    u.send('ping', t.port, t.address, (e) => e && done(false));
  }
}))).then((r) => console.log(JSON.stringify(r)));
`;

/**
 * A TCP session kept open (node -e): connects, prints {"connected":true}, then answers each
 * stdin line with {"echo":bool}: whether the peer echoed a ping within 1.5 s.
 */
const SESSION = `
const net = require('node:net'), readline = require('node:readline');
const [host, port] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
let waiting;
s.on('data', () => waiting && waiting(true)); s.on('error', () => waiting && waiting(false));
s.once('connect', () => {
  console.log(JSON.stringify({ connected: true }));
  readline.createInterface({ input: process.stdin }).on('line', () => {
    const timer = setTimeout(() => waiting(false), 1500);
    waiting = (ok) => { clearTimeout(timer); waiting = undefined; console.log(JSON.stringify({ echo: ok })); };
    s.write('ping');
  });
});
`;

/** A UNIX socket to TCP forwarder (node -e), run inside the controller's namespace. */
const FORWARD = `
const net = require('node:net');
const [sock, port] = process.argv.slice(1);
net.createServer((c) => { const t = net.connect(Number(port), '127.0.0.1'); c.pipe(t).pipe(c);
  t.on('error', () => c.destroy()); c.on('error', () => t.destroy()); }).listen(sock, () => console.log('ready'));
`;

export interface Target {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
}

export class NetnsFleet {
  readonly id = `${process.pid}-${randomBytes(2).toString('hex')}`;
  readonly ctl = `l4fe-${this.id}-ctl`;
  readonly atk = `l4fe-${this.id}-atk`;
  readonly hosts: string[] = [];
  private readonly children: ChildProcess[] = [];
  controllerLog = '';
  readonly adminToken = `l4f_e2eadmin${randomBytes(3).toString('hex')}_${randomBytes(24).toString('hex')}`;

  constructor(
    readonly dir: string,
    hostCount: number,
  ) {
    for (let i = 0; i < hostCount; i++) this.hosts.push(`l4fe-${this.id}-h${i}`);
  }

  get apiSocket(): string {
    return path.join(this.dir, 'api.sock');
  }

  get grpcUrl(): string {
    return `grpc://${NET.ctl4}:${NET.grpcPort}`;
  }

  async start(): Promise<void> {
    for (const ns of [this.ctl, this.atk, ...this.hosts]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    // The controller's and the attacker's side of every host link are bridged in their namespace.
    for (const ns of [this.ctl, this.atk]) {
      ip('-n', ns, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', ns, 'link', 'set', 'br0', 'up');
    }
    ip('-n', this.ctl, 'addr', 'add', `${NET.ctl4}/24`, 'dev', 'br0');
    ip('-n', this.atk, 'addr', 'add', `${NET.atk4}/24`, 'dev', 'br0');
    ip('-n', this.atk, 'addr', 'add', `${NET.atk6}/64`, 'dev', 'br0', 'nodad');
    this.hosts.forEach((ns, i) => {
      const a = hostAddr(i);
      for (const [peer, name] of [
        [this.ctl, 'ctl'],
        [this.atk, 'atk'],
      ] as const) {
        ip(
          '-n',
          ns,
          'link',
          'add',
          `to-${name}`,
          'type',
          'veth',
          'peer',
          'name',
          `h${i}`,
          'netns',
          peer,
        );
        ip('-n', peer, 'link', 'set', `h${i}`, 'master', 'br0');
        ip('-n', peer, 'link', 'set', `h${i}`, 'up');
        ip('-n', ns, 'link', 'set', `to-${name}`, 'up');
      }
      ip('-n', ns, 'addr', 'add', `${a.toCtl4}/24`, 'dev', 'to-ctl');
      ip('-n', ns, 'addr', 'add', `${a.toAtk4}/24`, 'dev', 'to-atk');
      ip('-n', ns, 'addr', 'add', `${a.toAtk6}/64`, 'dev', 'to-atk', 'nodad');
    });
    await this.spawnReady(this.atk, [
      'node',
      '-e',
      LISTENERS,
      'tcp:1389',
      'tcp:1099',
      'tcp:53',
      'tcp:8080',
      'udp:53',
    ]);
    await this.spawnReady(this.ctl, ['node', '-e', LISTENERS, 'tcp:53', 'udp:53']);
    await this.spawnReady(
      this.ctl,
      ['redis-server', '--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      /Ready to accept/,
    );
    await this.startController();
    await this.spawnReady(this.ctl, ['node', '-e', FORWARD, this.apiSocket, String(NET.httpPort)]);
    await eventually('the controller to answer on /health/live', async () => {
      const res = await this.request('GET', '/health/live').catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    });
  }

  private async startController(): Promise<void> {
    const env = {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(NET.httpPort),
      GRPC_HOST: '0.0.0.0',
      GRPC_PORT: String(NET.grpcPort),
      GRPC_INSECURE: '1',
      LOG4FLEET_ADMIN_TOKEN: this.adminToken,
      HEARTBEAT_INTERVAL_S: '2',
      SQLITE_PATH: path.join(this.dir, 'controller.sqlite'),
      REDIS_URL: 'redis://127.0.0.1:6379',
      // The verification rescan after a verified quarantine scans the test's files, not "/".
      VERIFICATION_SCAN_PATHS: this.dir,
    };
    const child = spawnIn(this.ctl, [process.execPath, CONTROLLER_MAIN], env);
    this.children.push(child);
    child.stdout?.on('data', (d: Buffer) => (this.controllerLog += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.controllerLog += d.toString()));
    await Promise.resolve();
  }

  /** Removes every namespace and ends every process it started; safe after a failed start. */
  async stop(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    await Promise.all(
      this.children.map((c) =>
        c.exitCode === null && c.signalCode === null ? once(c) : Promise.resolve(),
      ),
    );
    for (const ns of [this.ctl, this.atk, ...this.hosts]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // never created
      }
    }
  }

  exec(ns: string, ...cmd: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, ...cmd], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** A TCP session from namespace `ns`, kept open; ping() says whether the echo came back. */
  async session(ns: string, target: Target): Promise<{ ping(): Promise<boolean>; close(): void }> {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '-e', SESSION, target.address, String(target.port)],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    this.children.push(child);
    const lines: string[] = [];
    child.stdout?.on('data', (d: Buffer) => {
      lines.push(
        ...d
          .toString()
          .split('\n')
          .filter((l) => l !== ''),
      );
    });
    const next = async (): Promise<Record<string, unknown>> => {
      await eventually(
        'a line from the session',
        () => (lines.length > 0 ? true : undefined),
        10_000,
        20,
      );
      return JSON.parse(lines.shift()!) as Record<string, unknown>;
    };
    if ((await next())['connected'] !== true) throw new Error('the session did not connect');
    return {
      ping: async () => {
        child.stdin?.write('ping\n');
        return (await next())['echo'] === true;
      },
      close: () => child.kill('SIGKILL'),
    };
  }

  /** Which of `targets` answer from namespace `ns` (probes bounded to 1.5 s each). */
  reach(ns: string, targets: Target[]): Record<string, boolean> {
    const out = this.exec(ns, process.execPath, '-e', PROBE, JSON.stringify(targets));
    const results = JSON.parse(out) as boolean[];
    return Object.fromEntries(
      targets.map((t, i) => [`${t.protocol} ${t.address}:${t.port}`, results[i] ?? false]),
    );
  }

  /** The bundled agent in host namespace `ns` (root, as installed), with its own state directory. */
  agent(i: number): NetnsAgent {
    return new NetnsAgent(this, this.hosts[i], path.join(this.dir, `agent-${i}`), i);
  }

  async api<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await this.request(method, route, body);
    if (res.status >= 300) throw new Error(`${method} ${route}: HTTP ${res.status} ${res.text}`);
    return (res.text ? JSON.parse(res.text) : undefined) as T;
  }

  request(
    method: string,
    route: string,
    body?: unknown,
  ): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.apiSocket,
          path: `/api/v1${route}`,
          method,
          headers: {
            authorization: `Bearer ${this.adminToken}`,
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${method} ${route}: no answer in 30 s`)));
      req.end(payload);
    });
  }

  track(child: ChildProcess): void {
    this.children.push(child);
  }

  private spawnReady(ns: string, cmd: string[], ready: RegExp = /ready/): Promise<void> {
    const child = spawnIn(ns, cmd, { PATH: process.env['PATH'] ?? '' });
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`${cmd[0]} in ${ns} not ready: ${out}`)),
        30_000,
      );
      const onData = (d: Buffer): void => {
        out += d.toString();
        if (ready.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) =>
        reject(new Error(`${cmd[0]} in ${ns} exited ${String(code)}: ${out}`)),
      );
    });
  }
}

export class NetnsAgent {
  private daemon: ChildProcess | undefined;
  log = '';

  constructor(
    private readonly fleet: NetnsFleet,
    readonly ns: string,
    readonly dir: string,
    private readonly index: number,
  ) {}

  get stateDir(): string {
    return path.join(this.dir, 'state');
  }

  private env(): Record<string, string> {
    return {
      PATH: process.env['PATH'] ?? '',
      LOG4FLEET_STATE_DIR: this.stateDir,
      LOG4FLEET_HOSTNAME: `contained-${this.index}`,
      LOG4FLEET_MACHINE_ID: `e2e-contained-${this.fleet.id}-${this.index}`,
    };
  }

  /** Enrolls with a new one-use token; the host id. */
  async enroll(): Promise<string> {
    const { token } = await this.fleet.api<{ token: string }>('POST', '/enrollment-tokens', {
      name: `netns-${this.index}`,
      maxUses: 1,
    });
    const out = execFileSync(
      'ip',
      [
        'netns',
        'exec',
        this.ns,
        process.execPath,
        AGENT_MAIN,
        'enroll',
        '--controller',
        this.fleet.grpcUrl,
        '--token',
        token,
        '--insecure',
      ],
      { cwd: REPO_ROOT, env: this.env(), encoding: 'utf8', timeout: 60_000 },
    );
    const hostId = /host id (\S+)/.exec(out)?.[1];
    if (!hostId) throw new Error(`enroll printed no host id: ${out}`);
    return hostId;
  }

  start(): void {
    const child = spawnIn(
      this.ns,
      [
        process.execPath,
        AGENT_MAIN,
        'run',
        '--reconnect-window-ms',
        '1000',
        '--backoff-initial-ms',
        '200',
        '--backoff-max-ms',
        '2000',
      ],
      this.env(),
    );
    this.daemon = child;
    this.fleet.track(child);
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
  }

  async stop(): Promise<void> {
    const child = this.daemon;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await once(child);
    clearTimeout(timer);
  }
}

function spawnIn(ns: string, cmd: string[], env: Record<string, string>): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, ...cmd], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function once(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('close', () => resolve()));
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

export function requireNetnsRoot(): void {
  if (process.getuid?.() !== 0)
    throw new Error('the containment e2e needs root (ip netns, nftables)');
  for (const [tool, flag] of [
    ['ip', '-V'],
    ['nft', '--version'],
    ['conntrack', '--version'],
    ['redis-server', '--version'],
  ] as const) {
    try {
      execFileSync(tool, [flag], { stdio: 'ignore' });
    } catch {
      throw new Error(
        `${tool} is missing: run scripts/ensure-tools.sh and scripts/ensure-services.sh`,
      );
    }
  }
}
