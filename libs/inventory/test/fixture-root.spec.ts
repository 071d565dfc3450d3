import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectInventory, type Inventory, UTMP_RECORD_SIZE } from '../src';

/**
 * collectInventory with `root` on a copy of fixtures/host-a, plus what cannot be checked in
 * comfortably: a /proc tree with fd symlinks and a binary wtmp.
 */
let root: string;
let inv: Inventory;

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

function write(rel: string, content: string | Buffer): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function wtmpRecord(type: number, user: string, sec: number, line: string, host: string): Buffer {
  const b = Buffer.alloc(UTMP_RECORD_SIZE);
  b.writeInt16LE(type, 0);
  b.write(line, 8);
  b.write(user, 44);
  b.write(host, 76);
  b.writeInt32LE(sec, 340);
  return b;
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'inventory-root-'));
  cpSync(path.join(__dirname, 'fixtures/host-a'), root, {
    recursive: true,
    verbatimSymlinks: true,
  });
  write('proc/uptime', '3600.50 7000.00\n');
  write('proc/stat', 'cpu 1 2 3\nbtime 1700000000\n');
  write(
    'proc/net/tcp',
    HEADER +
      '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1\n' +
      '   1: 0100007F:9C40 0500000A:0016 01 00000000:00000000 00:00000000 00000000  1001        0 1002 1\n' +
      '   2: not a row\n' +
      // 10.0.0.9:22 <- 10.0.0.7:51000 (established, owned by pid 4242) and loopback to loopback (left out).
      '   3: 0900000A:0016 0700000A:C738 01 00000000:00000000 00:00000000 00000000     0        0 1004 1\n' +
      '   4: 0100007F:9C41 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 1005 1\n',
  );
  write(
    'proc/net/udp',
    HEADER +
      '   7: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1003 2\n',
  );
  write(
    'proc/net/route',
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n',
  );
  // pid 4242: a JVM owning the port-22 listener (an odd service, but what matters is the match).
  write('proc/4242/comm', 'java\n');
  write('proc/4242/status', 'Name:\tjava\nUid:\t1001\t1001\t1001\t1001\n');
  write('proc/4242/environ', 'JAVA_HOME=/opt/vendor/product/jdk\0PATH=/bin\0');
  mkdirSync(path.join(root, 'proc/4242/fd'));
  symlinkSync('socket:[1001]', path.join(root, 'proc/4242/fd/3'));
  symlinkSync('socket:[1003]', path.join(root, 'proc/4242/fd/4'));
  symlinkSync('socket:[1004]', path.join(root, 'proc/4242/fd/5'));
  symlinkSync('/dev/null', path.join(root, 'proc/4242/fd/0'));
  symlinkSync('/usr/lib/jvm/temurin-11/bin/java', path.join(root, 'proc/4242/exe'));
  symlinkSync(root, path.join(root, 'proc/4242/root'));
  write(
    'var/log/wtmp',
    Buffer.concat([
      wtmpRecord(7, 'alice', 1_700_000_100, 'pts/0', '10.0.0.7'),
      wtmpRecord(7, 'bob', 1_700_000_200, 'pts/1', ''),
    ]),
  );
  inv = await collectInventory({
    root,
    agent: { version: '1.2.3', updatedAt: '2024-03-01T00:00:00.000Z' },
  });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const account = (name: string) => inv.users.accounts.find((a) => a.name === name);

describe('collectInventory on a fixture root', () => {
  it('reads the OS from os-release, hostname and hosts (no DNS), machine-id and uptime', () => {
    expect(inv.os).toMatchObject({
      name: 'Ubuntu',
      id: 'ubuntu',
      versionId: '22.04',
      idLike: ['debian'],
      prettyName: 'Ubuntu 22.04.4 LTS',
      hostname: 'web01',
      fqdn: 'web01.corp.example',
      machineId: '0123456789abcdef0123456789abcdef',
      uptimeSeconds: 3600.5,
      bootTime: new Date(1_700_000_000_000).toISOString(),
    });
  });

  it('finds listening sockets with their owning process and user, not established ones', () => {
    expect(
      inv.network.listening.map((l) => [
        l.protocol,
        l.address,
        l.port,
        l.processes.map((p) => `${p.pid}/${p.comm}/${p.user}`),
      ]),
    ).toEqual([
      ['tcp', '0.0.0.0', 22, ['4242/java/alice']],
      ['udp', '0.0.0.0', 68, ['4242/java/alice']],
    ]);
    expect(inv.network.defaultRoutes).toEqual([{ iface: 'eth0', gateway: '10.0.0.1', metric: 0 }]);
  });

  it('lists established connections leaving loopback, with their owners', () => {
    expect(
      inv.network.connections.map((c) => [
        `${c.local.address}:${c.local.port}`,
        `${c.remote.address}:${c.remote.port}`,
        c.processes.map((p) => p.pid),
      ]),
    ).toEqual([
      ['127.0.0.1:40000', '10.0.0.5:22', []],
      ['10.0.0.9:22', '10.0.0.7:51000', [4242]],
    ]);
  });

  it('reads installed packages from var/lib/dpkg/status and never runs rpm under a fixture root', () => {
    expect(inv.packages.map((p) => `${p.manager} ${p.name} ${p.version}`)).toEqual([
      'dpkg liblog4j2-java 2.17.1-1~deb11u1',
      'dpkg openssh-server 1:9.2p1-2+deb12u2',
    ]);
  });

  it('lists Java runtimes once each, with versions from their release files and who runs them', () => {
    expect(
      inv.java.map((j) => [j.home, j.vendor, j.version, j.sources.sort(), j.runningPids]),
    ).toEqual([
      ['/opt/vendor/product/jdk', 'Azul Systems, Inc.', '1.8.0_392', ['java-home', 'opt'], []],
      [
        '/usr/lib/jvm/temurin-11',
        'Eclipse Adoptium',
        '11.0.21',
        ['running', 'usr-lib-jvm'],
        [4242],
      ],
    ]);
  });

  it('marks uid 0, sudo group members and sudoers grants (incl. includedir and aliases) as privileged', () => {
    expect(account('root')?.privilegeReasons).toEqual([
      'uid 0',
      '/etc/sudoers:13 root ALL=(ALL:ALL) ALL',
    ]);
    expect(account('alice')?.privilegeReasons).toEqual([
      'member of sudo',
      '/etc/sudoers:16 %sudo ALL=(ALL:ALL) ALL',
    ]);
    expect(account('bob')?.privilegeReasons).toEqual([
      '/etc/sudoers.d/admins:2 %admins web01=(root) NOPASSWD: /usr/bin/systemctl, /usr/bin/journalctl',
    ]);
    expect(account('dave')?.privilegeReasons).toEqual([
      '/etc/sudoers:17 OPS ALL=(root) NOPASSWD: RESTART',
    ]);
    expect(account('carol')?.privileged).toBe(false);
    // eve's grants sit in a commented line and in files sudo skips (old.conf, admins~).
    expect(account('eve')?.privileged).toBe(false);
  });

  it('decides who can log in from the shell and the shadow lock', () => {
    const canLogin = Object.fromEntries(
      inv.users.accounts.map((a) => [a.name, [a.canLogin, a.passwordState]]),
    );
    expect(canLogin).toEqual({
      root: [false, 'locked'],
      daemon: [false, 'locked'],
      alice: [true, 'set'],
      bob: [true, 'set'],
      carol: [false, 'locked'],
      dave: [true, 'set'],
      eve: [false, 'set'],
    });
  });

  it('reads last logins from wtmp and says so', () => {
    expect(inv.users.lastLoginSource).toBe('wtmp');
    expect(account('alice')?.lastLogin).toEqual({
      at: new Date(1_700_000_100_000).toISOString(),
      line: 'pts/0',
      host: '10.0.0.7',
      source: 'wtmp',
    });
    expect(account('carol')?.lastLogin).toBeUndefined();
  });

  it('finds the last package update in a gzipped rotated dpkg log and in apt history', () => {
    expect(inv.updates.dpkg).toEqual({
      at: new Date('2024-02-01T08:30:00').toISOString(),
      file: '/var/log/dpkg.log.2.gz',
      detail: 'upgrade openssl:amd64 3.0.2-0ubuntu1.12 3.0.2-0ubuntu1.14',
    });
    // The later apt stanza only removed a package: that is not an update.
    expect(inv.updates.apt?.at).toBe(new Date('2024-02-01T08:30:20').toISOString());
    expect(inv.updates.lastUpdate).toEqual(inv.updates.apt);
    expect(inv.updates.rpm).toBeUndefined();
    expect(inv.updates.agent).toEqual({ version: '1.2.3', updatedAt: '2024-03-01T00:00:00.000Z' });
  });

  it('names every malformed line it skipped, with file and line number', () => {
    const w = inv.warnings.map((x) => `${x.file}:${x.line ?? '-'}`).sort();
    expect(w).toEqual(
      [
        '/etc/os-release:8',
        '/etc/hosts:4',
        '/etc/passwd:5',
        '/etc/passwd:9',
        '/etc/shadow:7',
        '/etc/group:5',
        '/etc/sudoers:18',
        '/proc/net/tcp:4',
        '/var/log/dpkg.log.2.gz:5',
        '/var/log/apt/history.log:11',
      ].sort(),
    );
  });
});

describe('collectInventory on an empty root', () => {
  it('returns an inventory without throwing', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'inventory-empty-'));
    try {
      const result = await collectInventory({ root: empty });
      expect(result.users.accounts).toEqual([]);
      expect(result.network.listening).toEqual([]);
      expect(result.java).toEqual([]);
      expect(result.updates.lastUpdate).toBeUndefined();
      expect(result.warnings).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
