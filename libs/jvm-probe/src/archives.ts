import type { Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Finding } from '@log4fleet/scanner';
import type { ProcessDetails } from './process-info';
import { stripDeleted } from './process-info';
import type { ProcReader } from './proc-reader';
import {
  type CopySummary,
  type JarScanResult,
  type ProcessFinding,
  type ProcessRef,
  type ProbeError,
  RESTART_NEEDED,
  type RestartNeeded,
  type ScanJarFn,
  type StaleJar,
} from './types';

const ARCHIVE_NAME = /\.(jar|war|ear|zip|sar|par|rar|aar|nar|jpi|hpi|kar|jmod)$/i;
const PSEUDO_FS = /^\/(proc|sys|dev)\//;
const ZIP_LOCAL_HEADER = 0x04034b50;
// The smallest zip (an empty one) is its 22-byte end record.
const MIN_ZIP_BYTES = 22;
// Bounds the magic-byte probes of fds that are not named like archives.
const MAX_MAGIC_PROBES = 256;

export interface OpenArchive {
  fd: number;
  /** Path as the process sees it, without the kernel's " (deleted)" suffix. */
  path: string;
  /** /proc/PID/fd/N: opens the very file the process has open, deleted or not. */
  fdPath: string;
  linkSaysDeleted: boolean;
  stat: Stats;
}

async function startsWithZipMagic(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const buf = Buffer.alloc(4);
      const { bytesRead } = await handle.read(buf, 0, 4, 0);
      return bytesRead === 4 && buf.readUInt32LE(0) === ZIP_LOCAL_HEADER;
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** Archives among the process's open files: named like one, or a regular file starting like a zip. */
export async function findOpenArchives(
  proc: ProcReader,
  pid: number,
  fdLinks: Map<number, string>,
): Promise<OpenArchive[]> {
  const out: OpenArchive[] = [];
  const seen = new Set<string>();
  let probes = 0;
  for (const [fd, target] of fdLinks) {
    if (!target.startsWith('/')) continue;
    const clean = stripDeleted(target);
    if (PSEUDO_FS.test(clean)) continue;
    const fdPath = proc.path(pid, 'fd', String(fd));
    const st = await proc.statQuiet(fdPath);
    if (!st?.isFile() || st.size < MIN_ZIP_BYTES) continue;
    const named = ARCHIVE_NAME.test(clean);
    if (!named && (probes++ >= MAX_MAGIC_PROBES || !(await startsWithZipMagic(fdPath)))) continue;
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ fd, path: clean, fdPath, linkSaysDeleted: target !== clean, stat: st });
  }
  return out;
}

/** Is the open copy still the file at its path? Compares the fd's inode with what the path holds now. */
export async function staleness(
  proc: ProcReader,
  pid: number,
  a: OpenArchive,
): Promise<{ stale?: StaleJar; onDisk?: Stats }> {
  const onDisk = await proc.statQuiet(proc.inRoot(pid, a.path));
  const make = (reason: StaleJar['reason'], detail: string): StaleJar => ({
    reason,
    message: RESTART_NEEDED,
    detail,
  });
  if (!onDisk?.isFile()) {
    return { stale: make('deleted', `fd ${a.fd} holds ${a.path}, which no longer exists on disk`) };
  }
  const sameFile = onDisk.dev === a.stat.dev && onDisk.ino === a.stat.ino;
  if (a.linkSaysDeleted || !sameFile) {
    return {
      stale: make(
        'replaced',
        `fd ${a.fd} holds inode ${a.stat.ino}${a.linkSaysDeleted ? ' (deleted)' : ''}, the path now holds inode ${onDisk.ino}`,
      ),
      onDisk,
    };
  }
  if (onDisk.mtimeMs !== a.stat.mtimeMs || onDisk.size !== a.stat.size) {
    return {
      stale: make('replaced', `fd ${a.fd}: the file changed on disk since it was opened`),
      onDisk,
    };
  }
  return {};
}

export function summarize(findings: Finding[]): CopySummary[] {
  return findings.map((f) => ({
    product: f.product,
    version: f.version,
    status: f.status,
    cves: f.cves,
  }));
}

/** Runs the injected scan, turning throws and scanner errors into error records. */
export async function runScan(
  scanJar: ScanJarFn,
  file: string,
  display: string,
  pid: number,
  errors: ProbeError[],
): Promise<JarScanResult> {
  let result: JarScanResult;
  try {
    result = await scanJar(file, display);
  } catch (err) {
    errors.push({
      pid,
      path: display,
      code: 'scan-error',
      message: `scanning ${display} (${file}) failed: ${err instanceof Error ? err.message : String(err)}`,
    });
    return { findings: [], errors: [] };
  }
  for (const e of result.errors) {
    errors.push({ pid, path: e.path, code: 'scan-error', message: `${e.code}: ${e.error}` });
  }
  return result;
}

export interface ArchiveResults {
  findings: ProcessFinding[];
  restartNeeded: RestartNeeded[];
}

/** Scans every open archive through its fd, flags stale ones, then classpath jars not open. */
export async function scanProcessArchives(
  proc: ProcReader,
  details: ProcessDetails,
  ref: ProcessRef,
  scanJar: ScanJarFn,
  errors: ProbeError[],
): Promise<ArchiveResults> {
  const pid = details.info.pid;
  const out: ArchiveResults = { findings: [], restartNeeded: [] };
  const open = await findOpenArchives(proc, pid, details.fdLinks);
  details.info.openArchives = open.map((a) => a.path);
  const openKeys = new Set(open.map((a) => `${a.stat.dev}:${a.stat.ino}`));
  const openPaths = new Set(open.map((a) => a.path));

  for (const a of open) {
    const scanned = await runScan(scanJar, a.fdPath, a.path, pid, errors);
    const { stale, onDisk } = await staleness(proc, pid, a);
    out.findings.push(
      ...scanned.findings.map((f) => ({
        ...f,
        process: ref,
        source: 'open-file' as const,
        ...(stale ? { stale } : {}),
      })),
    );
    if (!stale) continue;
    const disk = onDisk
      ? await runScan(scanJar, proc.inRoot(pid, a.path), a.path, pid, errors)
      : undefined;
    out.restartNeeded.push({
      ...stale,
      process: ref,
      path: a.path,
      running: summarize(scanned.findings),
      ...(disk ? { onDisk: summarize(disk.findings) } : {}),
    });
  }

  const byPath = [
    ...details.info.classpath,
    ...(details.info.jar !== undefined ? [details.info.jar] : []),
  ];
  for (const entry of new Set(byPath)) {
    const file = proc.inRoot(pid, entry);
    const st = await proc.statQuiet(file);
    // Directories on the classpath (exploded classes) are left to the file-system scan.
    // An open jar replaced on disk keeps its path: the running copy was reported above.
    if (!st?.isFile() || openKeys.has(`${st.dev}:${st.ino}`) || openPaths.has(entry)) continue;
    const scanned = await runScan(scanJar, file, entry, pid, errors);
    out.findings.push(
      ...scanned.findings.map((f) => ({ ...f, process: ref, source: 'classpath' as const })),
    );
  }
  return out;
}
