import { INVENTORY_LIMITS, toInventorySnapshot } from './inventory-mapping';
import { fixtureInventory, fixtureJvmReport } from './inventory-fixtures';

describe('toInventorySnapshot', () => {
  it('maps OS, network, runtimes, accounts and updates with times in Unix ms', () => {
    const s = toInventorySnapshot(fixtureInventory(), fixtureJvmReport());
    expect(s.os).toMatchObject({
      name: 'Debian GNU/Linux',
      version: '12',
      kernel: '6.1.0-18-amd64',
      hostname: 'app1',
      fqdn: 'app1.corp.test',
      uptimeS: 3600,
    });
    expect(s.network?.interfaces[0].addresses[0]).toMatchObject({
      address: '10.0.0.7',
      cidr: '10.0.0.7/24',
    });
    expect(s.network?.defaultRoutes).toEqual([{ iface: 'eth0', gateway: '10.0.0.1', metric: 100 }]);
    expect(s.network?.listening[0]).toMatchObject({
      protocol: 'tcp6',
      port: 8080,
      processes: [{ pid: 4321, comm: 'java', user: 'app', uid: 1001 }],
    });
    expect(s.javaRuntimes).toEqual([
      {
        home: '/usr/lib/jvm/temurin-11',
        vendor: 'Eclipse Adoptium',
        version: '11.0.22',
        runningPids: [4321],
      },
    ]);
    const alice = s.accounts.find((a) => a.name === 'alice');
    expect(alice).toMatchObject({
      privileged: true,
      privilegeReasons: ['member of sudo'],
      canLogin: true,
      lastLoginMs: Date.parse('2026-11-27T08:00:00Z'),
      lastLoginFrom: '10.0.0.99',
    });
    expect(s.accounts.find((a) => a.name === 'app')?.lastLoginMs).toBe(0);
    expect(s.updates?.lastUpdate).toEqual({
      atMs: Date.parse('2026-11-20T10:00:00Z'),
      file: '/var/log/dpkg.log',
      detail: 'upgrade openssl:amd64 3.0.15 3.0.16',
    });
    expect(s.updates?.apt).toBeUndefined();
    expect(s.updates).toMatchObject({
      agentVersion: '0.1.0',
      agentUpdatedAtMs: Date.parse('2026-11-01T00:00:00Z'),
    });
  });

  it('puts each JVM finding, flag, indicator and restart-needed entry under its process', () => {
    const s = toInventorySnapshot(fixtureInventory(), fixtureJvmReport());
    const app = s.jvms.find((j) => j.pid === 4321);
    expect(app).toMatchObject({
      user: 'app',
      main: '-jar /srv/app/app.jar',
      jar: '/srv/app/app.jar',
      javaVersion: '11.0.22',
      containerId: 'c0ffee',
      containerRuntime: 'docker',
      startedAtMs: Date.parse('2026-11-27T00:00:00Z'),
    });
    expect(app?.findings).toHaveLength(1);
    expect(app?.findings[0]).toMatchObject({
      source: 'open-file',
      staleReason: 'deleted',
      finding: { product: 'log4j-core', version: '2.14.1', status: 'vulnerable' },
    });
    expect(Buffer.from(app!.findings[0].finding!.chain[0]).toString()).toBe(
      '/srv/app/lib/log4j-core-2.14.1.jar',
    );
    expect(app?.restartNeeded[0]).toMatchObject({
      reason: 'deleted',
      running: [{ version: '2.14.1', status: 'vulnerable' }],
      onDisk: [],
    });
    expect(app?.flags[0]).toMatchObject({
      name: 'log4j2.formatMsgNoLookups',
      effect: 'partial-mitigation',
      doesNotCover: ['CVE-2021-45046'],
    });
    expect(app?.indicators[0]).toMatchObject({
      service: 'LDAP',
      remoteAddress: '203.0.113.5',
      remotePort: 1389,
    });
    const idle = s.jvms.find((j) => j.pid === 999);
    expect(idle).toMatchObject({
      findings: [],
      flags: [],
      indicators: [],
      restartNeeded: [],
      containerId: '',
      mainClass: 'com.example.Idle',
    });
  });

  it('maps installed packages and established connections', () => {
    const s = toInventorySnapshot(fixtureInventory(), fixtureJvmReport());
    expect(s.packages).toEqual([
      {
        manager: 'dpkg',
        name: 'liblog4j2-java',
        version: '2.17.1-1~deb11u1',
        arch: 'all',
        sourcePackage: 'apache-log4j2',
      },
      {
        manager: 'dpkg',
        name: 'openssl',
        version: '3.0.16-1~deb12u1',
        arch: 'amd64',
        sourcePackage: '',
      },
    ]);
    expect(s.network?.connections).toEqual([
      {
        protocol: 'tcp',
        localAddress: '10.0.0.7',
        localPort: 51000,
        remoteAddress: '10.0.0.9',
        remotePort: 5432,
        uid: 1001,
        processes: [{ pid: 4321, comm: 'java', uid: 1001, user: 'app' }],
      },
    ]);
  });

  it('reports parse warnings and probe errors as warnings', () => {
    const s = toInventorySnapshot(fixtureInventory(), fixtureJvmReport());
    expect(s.warnings).toEqual([
      { file: '/etc/sudoers.d/broken', line: 3, message: 'unparsable rule' },
      { file: '/proc/777/fd', line: 0, message: 'permission-denied (pid 777): cannot read fds' },
    ]);
  });

  it('cuts oversized lists and strings to the limits of inventory.proto', () => {
    const inv = fixtureInventory();
    inv.os.hostname = 'h'.repeat(1000);
    inv.network.listening = Array.from({ length: INVENTORY_LIMITS.listening + 10 }, (_, i) => ({
      ...inv.network.listening[0],
      port: (i % 65535) + 1,
    }));
    inv.warnings = Array.from({ length: 1000 }, () => ({ file: 'x', message: 'y' }));
    inv.packages = Array.from({ length: INVENTORY_LIMITS.packages + 5 }, (_, i) => ({
      manager: 'dpkg' as const,
      name: `pkg${i}`,
      version: 'v'.repeat(300),
      arch: 'amd64',
    }));
    const s = toInventorySnapshot(inv, fixtureJvmReport());
    expect(s.packages).toHaveLength(INVENTORY_LIMITS.packages);
    expect(Buffer.byteLength(s.packages[0].version)).toBe(255);
    expect(Buffer.byteLength(s.os!.hostname)).toBe(255);
    expect(s.network?.listening).toHaveLength(INVENTORY_LIMITS.listening);
    expect(s.warnings).toHaveLength(INVENTORY_LIMITS.warnings);
  });
});
