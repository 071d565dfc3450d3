import { readFile } from 'node:fs/promises';
import { parseBootTime, parsePasswd, type SocketProtocol } from '@log4fleet/inventory';
import type { Logger } from 'pino';
import { scanProcessArchives } from './archives';
import { findIndicators } from './connections';
import { scanWithEngine } from './default-scan';
import { assessMitigations } from './mitigations';
import { isJavaProcess, type ProcessDetails, readJvmProcess } from './process-info';
import { ProcReader } from './proc-reader';
import type { JvmReport, ProcessRef, ScanJarFn } from './types';

export interface ProbeOptions {
  /** Where /proc is (tests can point at a copy). Default "/proc". */
  procRoot?: string;
  /** Scans one jar; default: the scanner engine's scanFile. */
  scanJar?: ScanJarFn;
  /** Probe only these PIDs (still only if they are JVMs). Default: every process. */
  pids?: number[];
  /** Where uid -> user names come from. Default "/etc/passwd". */
  passwdPath?: string;
  logger?: Logger;
}

const PROTOCOLS: SocketProtocol[] = ['tcp', 'tcp6', 'udp', 'udp6'];

async function userNames(passwdPath: string): Promise<(uid: number) => string | undefined> {
  let names = new Map<number, string>();
  try {
    names = new Map(
      parsePasswd(await readFile(passwdPath, 'utf8')).value.map((e) => [e.uid, e.name]),
    );
  } catch {
    // Without passwd, processes are reported by uid alone.
  }
  return (uid) => names.get(uid);
}

function refOf(d: ProcessDetails): ProcessRef {
  const { pid, uid, user, main, container } = d.info;
  return { pid, uid, user, main, container };
}

/** The socket tables of the process's own network namespace, else the host's. */
async function socketTables(
  proc: ProcReader,
  pid: number,
): Promise<Array<{ protocol: SocketProtocol; text: string }>> {
  const tables = [];
  for (const protocol of PROTOCOLS) {
    const text =
      (await proc.text(pid, `net/${protocol}`, { quiet: true })) ??
      (await proc.globalText(`net/${protocol}`));
    if (text !== undefined) tables.push({ protocol, text });
  }
  return tables;
}

/**
 * Finds every running JVM and reports what it really runs: log4j copies in its open jars (read
 * through /proc/PID/fd, so deleted and container files count) and classpath, jars replaced on disk
 * since it started, log4j-related flags with what they do and do not cover, and outbound
 * connections to LDAP/RMI/DNS ports. Never throws: problems are `errors`.
 */
export async function probeJvms(opts: ProbeOptions = {}): Promise<JvmReport> {
  const proc = new ProcReader(opts.procRoot ?? '/proc');
  const scanJar = opts.scanJar ?? scanWithEngine;
  const statText = await proc.globalText('stat');
  const ctx = {
    bootTimeSeconds: statText !== undefined ? parseBootTime(statText) : undefined,
    userName: await userNames(opts.passwdPath ?? '/etc/passwd'),
  };
  const report: JvmReport = {
    probedAt: new Date().toISOString(),
    processes: [],
    findings: [],
    restartNeeded: [],
    flags: [],
    indicators: [],
    errors: proc.errors,
  };

  for (const pid of opts.pids ?? (await proc.pids())) {
    if (!(await isJavaProcess(proc, pid))) continue;
    const details = await readJvmProcess(proc, pid, ctx);
    if (!details) continue;
    const ref = refOf(details);
    const archives = await scanProcessArchives(proc, details, ref, scanJar, proc.errors);
    const coreVersions = archives.findings
      .filter((f) => f.product === 'log4j-core' && f.versionExact)
      .map((f) => f.version);
    report.processes.push(details.info);
    report.findings.push(...archives.findings);
    report.restartNeeded.push(...archives.restartNeeded);
    report.flags.push(...assessMitigations(ref, details.settings, coreVersions));
    report.indicators.push(
      ...findIndicators(ref, await socketTables(proc, pid), details.socketInodes),
    );
    opts.logger?.debug(
      { pid, findings: archives.findings.length, restartNeeded: archives.restartNeeded.length },
      'probed JVM',
    );
  }
  return report;
}
