import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { collectInventory, type Inventory } from '../src';

/** collectInventory on this machine's real files: relations that must hold on any Linux host. */
jest.setTimeout(120_000);

let inv: Inventory;
let tcp: net.Server;
let tcp6: net.Server | undefined;
let udp: dgram.Socket;
let jvm: ChildProcess | undefined;
let tmp: string;

function listen(server: net.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

function startSleepingJvm(dir: string): Promise<ChildProcess> {
  writeFileSync(
    path.join(dir, 'Sleep.java'),
    'public class Sleep { public static void main(String[] a) throws Exception { System.out.println("ready"); System.out.flush(); Thread.sleep(600000L); } }\n',
  );
  execFileSync('javac', ['-d', dir, path.join(dir, 'Sleep.java')], {
    timeout: 120_000,
    stdio: 'pipe',
  });
  const child = spawn(
    'java',
    ['-Xmx16m', '-XX:+UseSerialGC', '-Xshare:auto', '-cp', dir, 'Sleep'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`java exited early (${code})`)));
  });
}

let ports: { tcp: number; tcp6?: number; udp: number };

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'inventory-real-'));
  tcp = net.createServer();
  const tcpPort = await listen(tcp, '127.0.0.1');
  tcp6 = net.createServer();
  const tcp6Port = await listen(tcp6, '::1').catch(() => undefined);
  udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  ports = { tcp: tcpPort, tcp6: tcp6Port, udp: udp.address().port };
  jvm = await startSleepingJvm(tmp);
  inv = await collectInventory();
});

afterAll(async () => {
  jvm?.kill('SIGKILL');
  udp.close();
  await Promise.all(
    [tcp, tcp6].map((s) => new Promise((r) => (s?.listening ? s.close(r) : r(undefined)))),
  );
  rmSync(tmp, { recursive: true, force: true });
});

const ownedByMe = (protocol: string, address: string, port: number | undefined) =>
  inv.network.listening
    .find((l) => l.protocol === protocol && l.address === address && l.port === port)
    ?.processes.map((p) => p.pid) ?? [];

describe('collectInventory on this host', () => {
  it('agrees with /etc/os-release and the kernel', () => {
    const id = /^ID="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    expect(inv.os.id).toBe(id);
    expect(inv.os.kernel).toBe(os.release());
    expect(inv.os.hostname).toBe(os.hostname());
    expect(inv.os.uptimeSeconds).toBeGreaterThan(0);
  });

  it('lists every /etc/passwd account and marks root privileged', () => {
    const names = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .filter((l) => /^[^#:]+:[^:]*:\d+:/.test(l))
      .map((l) => l.split(':')[0]);
    expect(inv.users.accounts.map((a) => a.name)).toEqual(names);
    const root = inv.users.accounts.find((a) => a.uid === 0);
    expect(root).toMatchObject({ name: 'root', privileged: true });
    expect(root?.privilegeReasons).toContain('uid 0');
    for (const a of inv.users.accounts.filter((x) => /nologin$/.test(x.shell)))
      expect(a.canLogin).toBe(false);
  });

  it('shows the TCP and UDP listeners this test opened, owned by this process', () => {
    expect(ownedByMe('tcp', '127.0.0.1', ports.tcp)).toContain(process.pid);
    expect(ownedByMe('udp', '127.0.0.1', ports.udp)).toContain(process.pid);
    if (ports.tcp6 !== undefined)
      expect(ownedByMe('tcp6', '::1', ports.tcp6)).toContain(process.pid);
    const me = inv.network.listening
      .find((l) => l.port === ports.tcp)
      ?.processes.find((p) => p.pid === process.pid);
    expect(me?.comm).toBe(readFileSync('/proc/self/comm', 'utf8').trim());
    expect(me?.uid).toBe(process.getuid?.());
  });

  it('shows the running JVM under the runtime of the java on PATH, with the release file version', () => {
    const javaBin = realpathSync(
      execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim(),
    );
    const home = path.dirname(path.dirname(javaBin));
    const runtime = inv.java.find((j) => j.home === home);
    expect(runtime?.runningPids).toContain(jvm?.pid);
    expect(runtime?.sources).toContain('running');
    const version = /^JAVA_VERSION="([^"]+)"/m.exec(
      readFileSync(path.join(home, 'release'), 'utf8'),
    )?.[1];
    expect(runtime?.version).toBe(version);
  });
});
