import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { buildSync } from 'esbuild';
import type { RunnerRequest, Target } from './runner';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** Addresses exist only inside the test's namespaces, never on the machine's own interfaces. */
export const ADDR = {
  hostToCtl4: '10.77.1.1',
  ctl4: '10.77.1.2',
  hostToCtl6: 'fd77:1::1',
  ctl6: 'fd77:1::2',
  hostToAtk4: '10.77.2.1',
  atk4: '10.77.2.2',
  hostToAtk6: 'fd77:2::1',
  atk6: 'fd77:2::2',
  /** A controller address that exists nowhere: pinning it locks the real controller out. */
  otherCtl4: '10.77.1.99',
} as const;

export const CONTROLLER_PORT = 50051;
export const ATTACKER_TCP = [1389, 1099, 53, 8080] as const;

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the quarantine namespace tests need root (ip netns, nftables): run them as root',
    );
  }
  for (const [tool, flag] of [
    ['ip', '-V'],
    ['nft', '--version'],
    ['conntrack', '--version'],
  ] as const) {
    try {
      execFileSync(tool, [flag], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is missing: run scripts/ensure-tools.sh`);
    }
  }
}

/**
 * Three namespaces (host, controller, attacker) joined by two veth pairs, each created
 * directly inside its namespaces; the controller runs a TCP listener and a DNS resolver, the
 * attacker LDAP 1389, RMI 1099, DNS 53 and 8080, over IPv4 and IPv6.
 */
export class Topology {
  readonly host: string;
  readonly ctl: string;
  readonly atk: string;
  readonly bundleDir: string;
  private readonly children: ChildProcess[] = [];

  constructor(label: string) {
    const id = `${label}-${process.pid}-${randomBytes(2).toString('hex')}`;
    this.host = `l4fq-${id}-host`;
    this.ctl = `l4fq-${id}-ctl`;
    this.atk = `l4fq-${id}-atk`;
    this.bundleDir = mkdtempSync(path.join(os.tmpdir(), 'l4fq-'));
  }

  async start(): Promise<void> {
    chmodSync(this.bundleDir, 0o755);
    buildSync({
      absWorkingDir: REPO_ROOT,
      entryPoints: {
        runner: path.join(__dirname, 'runner.ts'),
        listeners: path.join(__dirname, 'listeners.ts'),
      },
      outdir: this.bundleDir,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      tsconfig: path.join(REPO_ROOT, 'tsconfig.base.json'),
      logLevel: 'warning',
    });
    for (const ns of [this.host, this.ctl, this.atk]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    this.link(this.ctl, ADDR.hostToCtl4, ADDR.ctl4, ADDR.hostToCtl6, ADDR.ctl6);
    this.link(this.atk, ADDR.hostToAtk4, ADDR.atk4, ADDR.hostToAtk6, ADDR.atk6);
    await this.listen(this.ctl, [`tcp:${CONTROLLER_PORT}`, 'tcp:53', 'udp:53']);
    await this.listen(this.atk, [...ATTACKER_TCP.map((p) => `tcp:${p}`), 'udp:53']);
  }

  /** Removes everything it made; safe to call after a failed start. */
  stop(): void {
    for (const child of this.children) child.kill('SIGKILL');
    for (const ns of [this.host, this.ctl, this.atk]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // never created
      }
    }
    rmSync(this.bundleDir, { recursive: true, force: true });
  }

  /** Runs `cmd` inside namespace `ns` and returns its stdout. */
  exec(ns: string, cmd: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Applies an nft script (`nft -f -`) inside namespace `ns`. */
  nft(ns: string, script: string): void {
    execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: script, timeout: 30_000 });
  }

  /** Runs the library in the host namespace (optionally as another user) and parses its answer. */
  run<T>(req: RunnerRequest, asUser?: string): Promise<T> {
    const prefix = asUser
      ? ['setpriv', `--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups']
      : [];
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.host,
        ...prefix,
        process.execPath,
        path.join(this.bundleDir, 'runner.js'),
        JSON.stringify(req),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
      child.once('close', (code) => {
        if (code !== 0)
          return reject(new Error(`runner ${req.op} exited ${String(code)}: ${stderr}`));
        const last = stdout.trim().split('\n').at(-1) ?? 'null';
        resolve(JSON.parse(last) as T);
      });
    });
  }

  /** Which of `targets` answer from the host namespace. */
  async reach(targets: Target[]): Promise<Record<string, boolean>> {
    const results = await this.run<boolean[]>({ op: 'probe', targets });
    return Object.fromEntries(
      targets.map((t, i) => [`${t.protocol} ${t.address}:${t.port}`, results[i] ?? false]),
    );
  }

  /** A TCP session from the host, kept open; ping() sends and says whether the echo came back. */
  async session(target: Target): Promise<{ ping(): Promise<boolean>; close(): void }> {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.host,
        process.execPath,
        path.join(this.bundleDir, 'runner.js'),
        JSON.stringify({ op: 'session', target }),
      ],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    this.children.push(child);
    const lines = readline.createInterface({ input: child.stdout });
    const iterator = lines[Symbol.asyncIterator]();
    const next = async (): Promise<Record<string, unknown>> => {
      const line = await iterator.next();
      if (line.done) throw new Error('the session process ended');
      return JSON.parse(line.value) as Record<string, unknown>;
    };
    const first = await next();
    if (first['connected'] !== true)
      throw new Error(`session did not connect: ${JSON.stringify(first)}`);
    return {
      ping: async () => {
        child.stdin.write('ping\n');
        return (await next())['echo'] === true;
      },
      close: () => child.stdin.end(),
    };
  }

  private link(peer: string, host4: string, peer4: string, host6: string, peer6: string): void {
    const hostIf = peer === this.ctl ? 'to-ctl' : 'to-atk';
    ip(
      '-n',
      this.host,
      'link',
      'add',
      hostIf,
      'type',
      'veth',
      'peer',
      'name',
      'to-host',
      'netns',
      peer,
    );
    for (const [ns, ifname, a4, a6] of [
      [this.host, hostIf, host4, host6],
      [peer, 'to-host', peer4, peer6],
    ] as const) {
      ip('-n', ns, 'addr', 'add', `${a4}/24`, 'dev', ifname);
      ip('-n', ns, 'addr', 'add', `${a6}/64`, 'dev', ifname, 'nodad');
      ip('-n', ns, 'link', 'set', ifname, 'up');
    }
  }

  private listen(ns: string, specs: string[]): Promise<void> {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, path.join(this.bundleDir, 'listeners.js'), ...specs],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) =>
        reject(new Error(`listeners in ${ns} exited ${String(code)}: ${err}`)),
      );
    });
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

export function tcp(address: string, port: number): Target {
  return { protocol: 'tcp', address, port };
}

export function udp(address: string, port: number): Target {
  return { protocol: 'udp', address, port };
}
