import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type JarScanResult, probeJvms } from '../src';

/**
 * A hand-built /proc: what real JVMs cannot show on this host (containers, a process that
 * vanishes between listing and reading, a scanner that fails).
 */
let tmp: string;
let procRoot: string;
let container: string;
const CONTAINER_ID = 'c0ffee'.repeat(10) + 'c0ff';

function write(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'jvm-probe-fake-'));
  procRoot = path.join(tmp, 'proc');
  container = path.join(tmp, 'rootfs');
  write(path.join(procRoot, 'stat'), 'cpu 1 2 3\nbtime 1700000000\n');

  // 100: listed as java, gone before its cmdline could be read.
  write(path.join(procRoot, '100', 'comm'), 'java\n');

  // 300: a containerised JVM; its files exist only under its root.
  const p = path.join(procRoot, '300');
  write(path.join(p, 'comm'), 'java\n');
  write(
    path.join(p, 'cmdline'),
    [
      'java',
      '-Dlog4j2.enableJndiLookup=true',
      '-cp',
      '/opt/app/lib/*:/opt/app/classes',
      'com.acme.Main',
      '',
    ].join('\0'),
  );
  write(
    path.join(p, 'environ'),
    'PATH=/bin\0JAVA_TOOL_OPTIONS=-Dcom.sun.jndi.ldap.object.trustURLCodebase=true\0',
  );
  write(path.join(p, 'status'), 'Name:\tjava\nUid:\t1000\t1000\t1000\t1000\n');
  write(path.join(p, 'cgroup'), `0::/system.slice/docker-${CONTAINER_ID}.scope\n`);
  write(
    path.join(p, 'stat'),
    `300 (java) S ${Array.from({ length: 18 }, () => '0').join(' ')} 500 0 0\n`,
  );
  mkdirSync(path.join(p, 'fd'));
  symlinkSync(container, path.join(p, 'root'));
  symlinkSync('/srv', path.join(p, 'cwd'));
  symlinkSync('/usr/lib/jvm/jdk-11/bin/java', path.join(p, 'exe'));
  write(
    path.join(container, 'usr/lib/jvm/jdk-11/release'),
    'IMPLEMENTOR="Eclipse Adoptium"\nJAVA_VERSION="11.0.21"\n',
  );
  write(path.join(container, 'opt/app/lib/b.jar'), 'PK\x03\x04 not really');
  write(path.join(container, 'opt/app/lib/a.jar'), 'PK\x03\x04 not really');
  write(path.join(container, 'opt/app/lib/notes.txt'), 'x');
  mkdirSync(path.join(container, 'opt/app/classes'), { recursive: true });
  write(
    path.join(container, 'etc/passwd'),
    'root:x:0:0::/root:/bin/sh\nappuser:x:1000:1000::/srv:/bin/sh\n',
  );

  // 500: a jpackage-style launcher named myapp with libjvm.so mapped; 600: python, not a JVM.
  for (const [pid, comm, exe, maps] of [
    [
      '500',
      'myapp',
      '/opt/myapp/bin/myapp',
      '7f00-7f01 r-xp 0 08:01 1 /opt/myapp/lib/runtime/lib/server/libjvm.so\n',
    ],
    [
      '600',
      'python3',
      '/usr/bin/python3.11',
      '7f00-7f01 r-xp 0 08:01 1 /usr/lib/libpython3.11.so\n',
    ],
  ]) {
    write(path.join(procRoot, pid, 'comm'), `${comm}\n`);
    write(path.join(procRoot, pid, 'maps'), maps);
    write(path.join(procRoot, pid, 'cmdline'), `${exe}\0--serve\0`);
    symlinkSync(exe, path.join(procRoot, pid, 'exe'));
  }

  // 400: same container, options in an @argfile relative to its cwd.
  const q = path.join(procRoot, '400');
  write(path.join(q, 'comm'), 'java\n');
  write(path.join(q, 'cmdline'), ['java', '@conf/jvm.args', 'ignored.Main', ''].join('\0'));
  write(path.join(q, 'environ'), '');
  write(path.join(q, 'status'), 'Uid:\t0\t0\t0\t0\n');
  mkdirSync(path.join(q, 'fd'));
  symlinkSync(container, path.join(q, 'root'));
  symlinkSync('/srv', path.join(q, 'cwd'));
  write(
    path.join(container, 'srv/conf/jvm.args'),
    '-Dlog4j2.formatMsgNoLookups=true\n# -cp /nope.jar\n-cp "/opt/app/lib/*"\ncom.acme.Other\n',
  );
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('probeJvms on a hand-built /proc', () => {
  it('turns a process that vanished mid-read into an error record', async () => {
    const report = await probeJvms({
      procRoot,
      pids: [100],
      scanJar: () => ({ findings: [], errors: [] }),
    });
    expect(report.processes).toEqual([]);
    expect(report.errors).toEqual([
      expect.objectContaining({
        pid: 100,
        code: 'vanished',
        path: path.join(procRoot, '100', 'cmdline'),
      }),
    ]);
  });

  it('reads a container JVM through /proc/PID/root: classpath, Java version, container id', async () => {
    const scanned: Array<[string, string]> = [];
    const scanJar = (p: string, display: string): JarScanResult => {
      scanned.push([p, display]);
      return { findings: [], errors: [] };
    };
    const report = await probeJvms({ procRoot, pids: [300], scanJar });
    const [jvm] = report.processes;
    expect(jvm).toMatchObject({
      pid: 300,
      uid: 1000,
      user: 'appuser',
      mainClass: 'com.acme.Main',
      cwd: '/srv',
      container: { id: CONTAINER_ID, runtime: 'docker' },
    });
    expect(jvm.java).toEqual({
      home: '/usr/lib/jvm/jdk-11',
      version: '11.0.21',
      vendor: 'Eclipse Adoptium',
      runtimeVersion: undefined,
    });
    expect(jvm.classpath).toEqual(['/opt/app/lib/a.jar', '/opt/app/lib/b.jar', '/opt/app/classes']);
    expect(jvm.startedAt).toBe(new Date(1_700_000_000_000 + 5_000).toISOString());
    // Jars not open are scanned by path through the container's root, reported as the container sees them.
    expect(scanned).toEqual([
      [path.join(procRoot, '300', 'root', 'opt/app/lib/a.jar'), '/opt/app/lib/a.jar'],
      [path.join(procRoot, '300', 'root', 'opt/app/lib/b.jar'), '/opt/app/lib/b.jar'],
    ]);
    expect(report.flags.map((f) => [f.name, f.source, f.effect])).toEqual([
      ['com.sun.jndi.ldap.object.trustURLCodebase', 'JAVA_TOOL_OPTIONS', 'weakens'],
      ['log4j2.enableJndiLookup', 'command-line', 'weakens'],
    ]);
  });

  it('expands an @argfile read through the container root, relative to the cwd', async () => {
    const report = await probeJvms({
      procRoot,
      pids: [400],
      scanJar: () => ({ findings: [], errors: [] }),
    });
    const [jvm] = report.processes;
    expect(jvm).toMatchObject({
      mainClass: 'com.acme.Other',
      classpath: ['/opt/app/lib/a.jar', '/opt/app/lib/b.jar'],
    });
    expect(report.flags.map((f) => [f.name, f.source])).toEqual([
      ['log4j2.formatMsgNoLookups', 'command-line'],
    ]);
  });

  it('recognises a JVM behind a custom launcher by libjvm.so, and nothing else', async () => {
    const report = await probeJvms({
      procRoot,
      pids: [500, 600],
      scanJar: () => ({ findings: [], errors: [] }),
    });
    expect(report.processes.map((p) => [p.pid, p.comm, p.exe])).toEqual([
      [500, 'myapp', '/opt/myapp/bin/myapp'],
    ]);
  });

  it('records scanner failures and keeps going', async () => {
    const scanJar = (_p: string, display: string): JarScanResult => {
      if (display.endsWith('a.jar')) throw new Error('boom');
      return {
        findings: [],
        errors: [
          {
            path: display,
            chain: [display],
            code: 'corrupt-archive',
            error: 'Central directory is damaged.',
          },
        ],
      };
    };
    const report = await probeJvms({ procRoot, pids: [300], scanJar });
    expect(report.processes).toHaveLength(1);
    expect(report.errors.map((e) => [e.code, e.path, e.message])).toEqual([
      ['scan-error', '/opt/app/lib/a.jar', expect.stringContaining('boom')],
      ['scan-error', '/opt/app/lib/b.jar', 'corrupt-archive: Central directory is damaged.'],
    ]);
  });
});
