import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LogFile } from './walk';

/** Where logs live on Linux servers running Java: system logs, application servers, containers. */
export function defaultLogLocations(): string[] {
  return [
    '/var/log',
    '/opt',
    '/srv',
    '/usr/local/tomcat/logs',
    '/usr/share/tomcat/logs',
    '/var/lib/docker/containers',
    '/var/lib/containers',
    '/home',
    '/root',
  ];
}

const MAX_PIDS = 100_000;
const MAX_FDS = 65_536;
const O_ACCMODE = 0o3;

/** The `flags:` line of /proc/PID/fdinfo/N, octal. */
export function fdinfoFlags(text: string): number | undefined {
  const m = /^flags:\s+([0-7]+)$/m.exec(text);
  return m ? parseInt(m[1], 8) : undefined;
}

async function isJava(proc: string, pid: string): Promise<boolean> {
  const comm = await readFile(path.join(proc, pid, 'comm'), 'utf8').catch(() => '');
  if (comm.trim() === 'java') return true;
  const exe = await readlink(path.join(proc, pid, 'exe')).catch(() => '');
  return path.basename(exe.replace(/ \(deleted\)$/, '')) === 'java';
}

/**
 * Regular files the running JVMs have open for writing: their logs, wherever configured, also
 * inside containers. They are read through /proc/PID/fd/N, so a log deleted while the JVM
 * still writes it (an attacker covering tracks) is read too, reported as `PATH (deleted)`.
 */
export async function jvmLogFiles(proc = '/proc'): Promise<LogFile[]> {
  const out: LogFile[] = [];
  const pids = (await readdir(proc).catch(() => [] as string[]))
    .filter((p) => /^\d+$/.test(p))
    .slice(0, MAX_PIDS);
  for (const pid of pids) {
    if (!(await isJava(proc, pid))) continue;
    const fds = await readdir(path.join(proc, pid, 'fd')).catch(() => [] as string[]);
    for (const fd of fds.slice(0, MAX_FDS)) {
      const link = path.join(proc, pid, 'fd', fd);
      const target = await readlink(link).catch(() => undefined);
      if (
        !target?.startsWith('/') ||
        target.startsWith('/dev/') ||
        /\.(jar|war|ear|class|so)$/.test(target)
      )
        continue;
      const flags = fdinfoFlags(
        await readFile(path.join(proc, pid, 'fdinfo', fd), 'utf8').catch(() => ''),
      );
      if (flags === undefined || (flags & O_ACCMODE) === 0) continue;
      const st = await stat(link).catch(() => undefined);
      if (!st?.isFile()) continue;
      out.push({ path: link, display: `${target} [pid ${pid}]` });
    }
  }
  return out;
}
