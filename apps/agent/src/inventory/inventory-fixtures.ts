import type { Inventory } from '@log4fleet/inventory';
import type { JvmReport, ProcessRef } from '@log4fleet/jvm-probe';

/** A host with one privileged account, one listening JVM with a vulnerable jar it still runs after a patch on disk. */
export function fixtureInventory(): Inventory {
  return {
    collectedAt: '2026-11-28T01:00:00.000Z',
    root: '/',
    os: {
      name: 'Debian GNU/Linux',
      version: '12 (bookworm)',
      versionId: '12',
      id: 'debian',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      kernel: '6.1.0-18-amd64',
      arch: 'x86_64',
      hostname: 'app1',
      fqdn: 'app1.corp.test',
      machineId: 'a'.repeat(32),
      uptimeSeconds: 3600.7,
    },
    network: {
      interfaces: [
        {
          name: 'eth0',
          addresses: [
            {
              address: '10.0.0.7',
              family: 'IPv4',
              cidr: '10.0.0.7/24',
              mac: '52:54:00:12:34:56',
              internal: false,
            },
          ],
        },
      ],
      defaultRoutes: [{ iface: 'eth0', gateway: '10.0.0.1', metric: 100 }],
      listening: [
        {
          protocol: 'tcp6',
          address: '::',
          port: 8080,
          inode: 4242,
          uid: 1001,
          processes: [{ pid: 4321, comm: 'java', uid: 1001, user: 'app' }],
        },
      ],
      connections: [
        {
          protocol: 'tcp',
          local: { address: '10.0.0.7', port: 51000 },
          remote: { address: '10.0.0.9', port: 5432 },
          inode: 4343,
          uid: 1001,
          processes: [{ pid: 4321, comm: 'java', uid: 1001, user: 'app' }],
        },
      ],
    },
    java: [
      {
        home: '/usr/lib/jvm/temurin-11',
        javaBinary: '/usr/lib/jvm/temurin-11/bin/java',
        vendor: 'Eclipse Adoptium',
        version: '11.0.22',
        sources: ['usr-lib-jvm', 'running'],
        runningPids: [4321],
      },
    ],
    users: {
      accounts: [
        {
          name: 'root',
          uid: 0,
          gid: 0,
          gecos: 'root',
          home: '/root',
          shell: '/bin/bash',
          canLogin: false,
          passwordState: 'locked',
          groups: [],
          privileged: true,
          privilegeReasons: ['uid 0'],
        },
        {
          name: 'alice',
          uid: 1000,
          gid: 1000,
          gecos: '',
          home: '/home/alice',
          shell: '/bin/bash',
          canLogin: true,
          passwordState: 'set',
          groups: ['sudo'],
          privileged: true,
          privilegeReasons: ['member of sudo'],
          lastLogin: {
            at: '2026-11-27T08:00:00.000Z',
            host: '10.0.0.99',
            line: 'pts/0',
            source: 'wtmp',
          },
        },
        {
          name: 'app',
          uid: 1001,
          gid: 1001,
          gecos: '',
          home: '/srv/app',
          shell: '/usr/sbin/nologin',
          canLogin: false,
          passwordState: 'locked',
          groups: [],
          privileged: false,
          privilegeReasons: [],
        },
      ],
      sudoers: [],
      lastLoginSource: 'wtmp',
    },
    updates: {
      dpkg: {
        at: '2026-11-20T10:00:00.000Z',
        file: '/var/log/dpkg.log',
        detail: 'upgrade openssl:amd64 3.0.15 3.0.16',
      },
      lastUpdate: {
        at: '2026-11-20T10:00:00.000Z',
        file: '/var/log/dpkg.log',
        detail: 'upgrade openssl:amd64 3.0.15 3.0.16',
      },
      agent: { version: '0.1.0', updatedAt: '2026-11-01T00:00:00.000Z' },
    },
    packages: [
      {
        manager: 'dpkg',
        name: 'liblog4j2-java',
        version: '2.17.1-1~deb11u1',
        arch: 'all',
        sourcePackage: 'apache-log4j2',
      },
      { manager: 'dpkg', name: 'openssl', version: '3.0.16-1~deb12u1', arch: 'amd64' },
    ],
    warnings: [{ file: '/etc/sudoers.d/broken', line: 3, message: 'unparsable rule' }],
  };
}

const PROC: ProcessRef = {
  pid: 4321,
  uid: 1001,
  user: 'app',
  main: '-jar /srv/app/app.jar',
  container: { id: 'c0ffee', runtime: 'docker' },
};

export function fixtureJvmReport(): JvmReport {
  const copy = {
    product: 'log4j-core' as const,
    version: '2.14.1',
    status: 'vulnerable' as const,
    cves: ['CVE-2021-44228', 'CVE-2021-45046'],
  };
  return {
    probedAt: '2026-11-28T01:00:01.000Z',
    processes: [
      {
        ...PROC,
        comm: 'java',
        exe: '/usr/lib/jvm/temurin-11/bin/java',
        cmdline: ['java', '-Dlog4j2.formatMsgNoLookups=true', '-jar', '/srv/app/app.jar'],
        jar: '/srv/app/app.jar',
        classpath: ['/srv/app/app.jar'],
        systemProperties: { 'log4j2.formatMsgNoLookups': 'true' },
        java: { home: '/usr/lib/jvm/temurin-11', version: '11.0.22' },
        startedAt: '2026-11-27T00:00:00.000Z',
        openArchives: ['/srv/app/lib/log4j-core-2.14.1.jar'],
      },
      {
        pid: 999,
        uid: 0,
        user: 'root',
        cmdline: ['java', 'com.example.Idle'],
        mainClass: 'com.example.Idle',
        main: 'com.example.Idle',
        classpath: [],
        systemProperties: {},
        openArchives: [],
      },
    ],
    findings: [
      {
        ...copy,
        versionExact: true,
        evidence: ['JndiLookup.class present'],
        packageRoot: 'org/apache/logging/log4j/',
        path: '/srv/app/lib/log4j-core-2.14.1.jar',
        chain: ['/srv/app/lib/log4j-core-2.14.1.jar'],
        sha256: 'c'.repeat(64),
        process: PROC,
        source: 'open-file',
        stale: {
          reason: 'deleted',
          message: 'still running the old jar: restart needed',
          detail: 'fd 7 points to a deleted file',
        },
      },
    ],
    restartNeeded: [
      {
        process: PROC,
        path: '/srv/app/lib/log4j-core-2.14.1.jar',
        reason: 'deleted',
        message: 'still running the old jar: restart needed',
        detail: 'fd 7 points to a deleted file',
        running: [copy],
      },
    ],
    flags: [
      {
        process: PROC,
        name: 'log4j2.formatMsgNoLookups',
        value: 'true',
        source: 'command-line',
        what: 'Disables message lookups',
        effect: 'partial-mitigation',
        covers: ['CVE-2021-44228 (2.10-2.14.1)'],
        doesNotCover: ['CVE-2021-45046'],
        note: 'partial for 2.14.1',
      },
    ],
    indicators: [
      {
        process: PROC,
        protocol: 'tcp',
        state: 'ESTABLISHED',
        local: { address: '10.0.0.7', port: 40000 },
        remote: { address: '203.0.113.5', port: 1389 },
        service: 'LDAP',
        message: 'outbound LDAP from a JVM',
      },
    ],
    errors: [
      { pid: 777, path: '/proc/777/fd', code: 'permission-denied', message: 'cannot read fds' },
    ],
  };
}
