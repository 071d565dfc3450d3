import { InventorySnapshot, RunningJvm } from '@log4fleet/contracts';

/** Test snapshots: a Debian host with root and alice privileged, sshd on 22, one JVM. */
export function baseSnapshot(overrides: Partial<InventorySnapshot> = {}): InventorySnapshot {
  return InventorySnapshot.fromPartial({
    os: {
      name: 'Debian GNU/Linux',
      version: '12',
      kernel: '6.1.0-18-amd64',
      arch: 'x86_64',
      hostname: 'app1',
      fqdn: 'app1.corp.test',
      machineId: 'm1',
      uptimeS: 100,
    },
    network: {
      interfaces: [
        {
          name: 'eth0',
          addresses: [
            { address: '10.0.0.7', family: 'IPv4', cidr: '10.0.0.7/24', mac: '52:54:00:00:00:01' },
          ],
        },
      ],
      defaultRoutes: [{ iface: 'eth0', gateway: '10.0.0.1', metric: 100 }],
      listening: [
        {
          protocol: 'tcp',
          address: '0.0.0.0',
          port: 22,
          uid: 0,
          processes: [{ pid: 500, comm: 'sshd', uid: 0, user: 'root' }],
        },
      ],
    },
    javaRuntimes: [
      {
        home: '/usr/lib/jvm/temurin-11',
        vendor: 'Eclipse Adoptium',
        version: '11.0.22',
        runningPids: [4321],
      },
    ],
    accounts: [
      { name: 'root', uid: 0, shell: '/bin/bash', privileged: true, privilegeReasons: ['uid 0'] },
      {
        name: 'alice',
        uid: 1000,
        shell: '/bin/bash',
        canLogin: true,
        privileged: true,
        privilegeReasons: ['member of sudo'],
      },
      { name: 'app', uid: 1001, shell: '/usr/sbin/nologin' },
    ],
    updates: {
      lastUpdate: {
        atMs: Date.UTC(2026, 10, 1),
        file: '/var/log/dpkg.log',
        detail: 'upgrade libc6:amd64 2.36-9 2.36-9+deb12u4',
      },
      agentVersion: '0.1.0',
    },
    jvms: [safeJvm()],
    packages: [
      { manager: 'dpkg', name: 'liblog4j2-java', version: '2.17.1-1~deb11u1', arch: 'all' },
      { manager: 'dpkg', name: 'openssh-server', version: '1:9.2p1-2', arch: 'amd64' },
    ],
    ...overrides,
  });
}

export function safeJvm(overrides: Partial<RunningJvm> = {}): RunningJvm {
  return {
    ...RunningJvm.fromPartial({
      pid: 4321,
      uid: 1001,
      user: 'app',
      comm: 'java',
      cmdline: ['java', '-jar', '/srv/app/app.jar'],
      main: '-jar /srv/app/app.jar',
      jar: '/srv/app/app.jar',
      javaVersion: '11.0.22',
      startedAtMs: Date.UTC(2026, 10, 20),
      findings: [
        {
          source: 'open-file',
          finding: {
            chain: [Buffer.from('/srv/app/lib/log4j-core-2.17.1.jar')],
            product: 'log4j-core',
            version: '2.17.1',
            versionExact: true,
            status: 'safe',
          },
        },
      ],
    }),
    ...overrides,
  };
}

/** The same JVM after log4j-core was swapped on disk for 2.14.1 without a restart... the worst case. */
export function vulnerableJvm(overrides: Partial<RunningJvm> = {}): RunningJvm {
  return safeJvm({
    findings: [
      {
        source: 'open-file',
        staleReason: 'replaced',
        finding: {
          chain: [Buffer.from('/srv/app/lib/log4j-core-2.14.1.jar')],
          product: 'log4j-core',
          version: '2.14.1',
          versionExact: true,
          status: 'vulnerable',
          cves: ['CVE-2021-44228'],
          evidence: [],
          packageRoot: 'org/apache/logging/log4j/',
          sha256: '',
        },
      },
    ],
    restartNeeded: [
      {
        path: '/srv/app/lib/log4j-core-2.14.1.jar',
        reason: 'deleted',
        detail: 'fd 7 points to a deleted file',
        running: [
          {
            product: 'log4j-core',
            version: '2.14.1',
            status: 'vulnerable',
            cves: ['CVE-2021-44228'],
          },
        ],
        onDisk: [],
      },
    ],
    ...overrides,
  });
}
