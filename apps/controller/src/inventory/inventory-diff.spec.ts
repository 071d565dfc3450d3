import { diffSnapshots, summarize } from './inventory-diff';
import { baseSnapshot, safeJvm, vulnerableJvm } from './inventory-fixtures';

const kinds = (changes: { kind: string }[]) => changes.map((c) => c.kind).sort();

describe('diffSnapshots', () => {
  it('finds nothing between identical snapshots', () => {
    expect(diffSnapshots(baseSnapshot(), baseSnapshot())).toEqual([]);
  });

  it('reports a new account with sudo rights as an added account and an added privileged account', () => {
    const before = baseSnapshot();
    const after = baseSnapshot({
      accounts: [
        ...before.accounts,
        {
          ...before.accounts[1],
          name: 'mallory',
          uid: 1002,
          privilegeReasons: ['/etc/sudoers.d/zz:1 mallory'],
        },
      ],
    });
    const changes = diffSnapshots(before, after);
    expect(kinds(changes)).toEqual(['account_added', 'privileged_account_added']);
    const priv = changes.find((c) => c.kind === 'privileged_account_added');
    expect(priv?.summary).toBe('privileged account mallory added (/etc/sudoers.d/zz:1 mallory)');
    expect(priv?.details).toMatchObject({ name: 'mallory', uid: 1002, existedBefore: false });
  });

  it('reports an existing account that became privileged, and one that lost it', () => {
    const before = baseSnapshot();
    const accounts = before.accounts.map((a) =>
      a.name === 'app'
        ? { ...a, privileged: true, privilegeReasons: ['member of wheel'] }
        : a.name === 'alice'
          ? { ...a, privileged: false, privilegeReasons: [] }
          : a,
    );
    const changes = diffSnapshots(before, baseSnapshot({ accounts }));
    expect(kinds(changes)).toEqual(['privileged_account_added', 'privileged_account_removed']);
    expect(changes.find((c) => c.kind === 'privileged_account_added')?.details).toMatchObject({
      name: 'app',
      existedBefore: true,
    });
  });

  it('reports a package update run with its time and detail', () => {
    const after = baseSnapshot({
      updates: {
        lastUpdate: {
          atMs: Date.UTC(2026, 10, 27, 9),
          file: '/var/log/apt/history.log',
          detail: 'Upgrade: openssl:amd64 (3.0.15, 3.0.16)',
        },
        agentVersion: '0.1.0',
        agentUpdatedAtMs: 0,
      },
    });
    const changes = diffSnapshots(baseSnapshot(), after);
    expect(changes).toEqual([
      {
        kind: 'packages_updated',
        summary:
          'package update run at 2026-11-27T09:00:00.000Z: Upgrade: openssl:amd64 (3.0.15, 3.0.16)',
        details: {
          at: '2026-11-27T09:00:00.000Z',
          file: '/var/log/apt/history.log',
          detail: 'Upgrade: openssl:amd64 (3.0.15, 3.0.16)',
          previousAt: '2026-11-01T00:00:00.000Z',
        },
      },
    ]);
  });

  it('reports packages installed, removed and upgraded, keyed by manager, name and architecture', () => {
    const changes = diffSnapshots(
      baseSnapshot(),
      baseSnapshot({
        packages: [
          {
            manager: 'dpkg',
            name: 'liblog4j2-java',
            version: '2.17.2-1',
            arch: 'all',
            sourcePackage: '',
          },
          {
            manager: 'rpm',
            name: 'log4j',
            version: '2.14.1-1.el8',
            arch: 'noarch',
            sourcePackage: '',
          },
        ],
      }),
    );
    expect(changes.map((c) => c.summary).sort()).toEqual([
      'dpkg package liblog4j2-java 2.17.1-1~deb11u1 -> 2.17.2-1',
      'dpkg package openssh-server 1:9.2p1-2 removed',
      'rpm package log4j 2.14.1-1.el8 installed',
    ]);
    expect(changes.find((c) => c.kind === 'package_version_changed')?.details).toMatchObject({
      name: 'liblog4j2-java',
      version: '2.17.2-1',
      previousVersion: '2.17.1-1~deb11u1',
    });
  });

  it('takes a first package list (an agent upgraded to report packages) as a baseline, not as installs', () => {
    expect(diffSnapshots(baseSnapshot({ packages: [] }), baseSnapshot())).toEqual([]);
    expect(diffSnapshots(baseSnapshot(), baseSnapshot({ packages: [] }))).toEqual([]);
  });

  it('reports a new listening port with its owner, and a closed one', () => {
    const before = baseSnapshot();
    const listening = [
      {
        protocol: 'tcp',
        address: '0.0.0.0',
        port: 1389,
        uid: 1001,
        processes: [{ pid: 4321, comm: 'java', uid: 1001, user: 'app' }],
      },
    ];
    const changes = diffSnapshots(
      before,
      baseSnapshot({ network: { ...before.network!, listening } }),
    );
    expect(kinds(changes)).toEqual(['listening_port_closed', 'listening_port_opened']);
    expect(changes.find((c) => c.kind === 'listening_port_opened')?.summary).toBe(
      'tcp port 1389 on 0.0.0.0 now listening by java (pid 4321)',
    );
  });

  it('reports a kernel change as an OS change naming the old and new kernel', () => {
    const before = baseSnapshot();
    const changes = diffSnapshots(
      before,
      baseSnapshot({ os: { ...before.os!, kernel: '6.1.0-21-amd64' } }),
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      kind: 'os_changed',
      summary: 'OS changed: kernel 6.1.0-18-amd64 -> 6.1.0-21-amd64',
      details: { changed: ['kernel'] },
    });
  });

  it('tells JVMs apart by pid and start time, and reports a newly running vulnerable jar and restart needed', () => {
    const restarted = safeJvm({ startedAtMs: Date.UTC(2026, 10, 27) });
    expect(kinds(diffSnapshots(baseSnapshot(), baseSnapshot({ jvms: [restarted] })))).toEqual([
      'jvm_started',
      'jvm_stopped',
    ]);
    const changes = diffSnapshots(baseSnapshot(), baseSnapshot({ jvms: [vulnerableJvm()] }));
    expect(kinds(changes)).toEqual(['restart_needed', 'vulnerable_jar_running']);
    expect(changes.find((c) => c.kind === 'vulnerable_jar_running')?.summary).toBe(
      'pid 4321 runs vulnerable log4j-core 2.14.1 from /srv/app/lib/log4j-core-2.14.1.jar',
    );
    expect(
      diffSnapshots(
        baseSnapshot({ jvms: [vulnerableJvm()] }),
        baseSnapshot({ jvms: [vulnerableJvm()] }),
      ),
    ).toEqual([]);
  });
});

describe('summarize', () => {
  it('gives the indexed columns of a snapshot', () => {
    expect(summarize(baseSnapshot())).toEqual({
      runningVulnerableJvm: false,
      restartNeeded: false,
      privilegedAccounts: ['alice', 'root'],
      lastUpdateAtMs: Date.UTC(2026, 10, 1),
    });
    expect(summarize(baseSnapshot({ jvms: [vulnerableJvm()] }))).toMatchObject({
      runningVulnerableJvm: true,
      restartNeeded: true,
    });
  });
});
