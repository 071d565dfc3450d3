import { open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  parseEnviron,
  parseJavaRelease,
  parsePasswd,
  parseStatusUids,
  socketInode,
  splitNul,
} from '@log4fleet/inventory';
import { containerFromCgroup } from './cgroup';
import {
  describeMain,
  expandArgFiles,
  type JavaCommandLine,
  parseJavaCommandLine,
  propertiesFromOptionsVariable,
} from './cmdline';
import type { SettingSeen } from './mitigations';
import type { ProcReader } from './proc-reader';
import { processStartMs } from './proc-stat';
import type { JavaRuntimeInfo, JvmProcess } from './types';

const JAVA_NAMES = new Set(['java', 'javaw']);
// A classpath of thousands of jars exists (app servers); beyond this it is not a classpath.
const MAX_CLASSPATH_ENTRIES = 10_000;
const MAX_FDS = 65_536;
const NO_LOOKUPS_ENV = 'LOG4J_FORMAT_MSG_NO_LOOKUPS';

export const stripDeleted = (target: string): string => target.replace(/ \(deleted\)$/, '');

const absolute = (p: string, cwd: string | undefined): string =>
  path.isAbsolute(p) ? p : path.join(cwd ?? '/', p);

/** comm or exe named java, or libjvm.so mapped / exe inside a JDK (a JVM under a custom launcher name). */
export async function isJavaProcess(proc: ProcReader, pid: number): Promise<boolean> {
  const comm = (await proc.text(pid, 'comm', { quiet: true }))?.trim();
  if (comm !== undefined && JAVA_NAMES.has(comm)) return true;
  const exe = await proc.link(pid, 'exe', { quiet: true });
  if (exe === undefined) return false;
  if (JAVA_NAMES.has(path.basename(stripDeleted(exe)))) return true;
  const maps = await proc.text(pid, 'maps', { quiet: true });
  if (maps !== undefined) return maps.includes('/libjvm.so');
  // maps unreadable (another user's process): a launcher inside a JDK/JRE tree still gives it away.
  const home = path.dirname(path.dirname(stripDeleted(exe)));
  return (await proc.statQuiet(proc.inRoot(pid, path.join(home, 'release')))) !== undefined;
}

export interface ProcessDetails {
  info: JvmProcess;
  fdLinks: Map<number, string>;
  socketInodes: Set<number>;
  settings: SettingSeen[];
}

/** bin/java lives in <home>/bin; a JDK 8 JRE in <jdk>/jre/bin keeps `release` one level up. */
async function readRuntime(proc: ProcReader, pid: number, exe: string): Promise<JavaRuntimeInfo> {
  const home = path.dirname(path.dirname(exe));
  for (const dir of [home, path.dirname(home)]) {
    let text: string;
    try {
      text = await readFile(proc.inRoot(pid, path.join(dir, 'release')), 'utf8');
    } catch {
      continue;
    }
    const r = parseJavaRelease(text).value;
    return { home: dir, version: r.version, vendor: r.vendor, runtimeVersion: r.runtimeVersion };
  }
  return { home };
}

async function expandEntry(proc: ProcReader, pid: number, entry: string): Promise<string[]> {
  if (path.basename(entry) !== '*') return [entry];
  const dir = path.dirname(entry);
  try {
    const names = await readdir(proc.inRoot(pid, dir));
    // The launcher expands "dir/*" to the .jar/.JAR files of dir, not recursively.
    return names
      .filter((n) => /\.jar$/i.test(n))
      .sort()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

/** Splits a classpath, resolves relative entries against the process's cwd and expands `dir/*`. */
export async function expandClasspath(
  proc: ProcReader,
  pid: number,
  classpath: string,
  cwd: string | undefined,
): Promise<string[]> {
  const out: string[] = [];
  for (const raw of classpath.split(':').slice(0, MAX_CLASSPATH_ENTRIES)) {
    const entry = raw === '' ? '.' : raw;
    const abs = path.normalize(absolute(entry, cwd));
    out.push(...(await expandEntry(proc, pid, abs)));
  }
  return out.slice(0, MAX_CLASSPATH_ENTRIES);
}

// Argument files hold options and classpaths; a megabyte is far beyond any real one.
const MAX_ARGFILE_BYTES = 1024 * 1024;

/** Reads an @argfile as the process saw it: relative to its cwd, inside its root. */
async function readArgFile(
  proc: ProcReader,
  pid: number,
  file: string,
  cwd: string | undefined,
): Promise<string | undefined> {
  const abs = absolute(file, cwd);
  try {
    const handle = await open(proc.inRoot(pid, abs), 'r');
    try {
      const buf = Buffer.alloc(MAX_ARGFILE_BYTES);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    proc.record(pid, abs, err, 'read argument file');
    return undefined;
  }
}

async function readFdLinks(proc: ProcReader, pid: number): Promise<Map<number, string>> {
  const links = new Map<number, string>();
  for (const name of (await proc.list(pid, 'fd')).slice(0, MAX_FDS)) {
    if (!/^\d+$/.test(name)) continue;
    const target = await proc.link(pid, `fd/${name}`, { quiet: true });
    if (target !== undefined) links.set(Number(name), target);
  }
  return links;
}

function collectSettings(
  cmdProps: Array<{ name: string; value: string }>,
  env: Map<string, string>,
): SettingSeen[] {
  const settings: SettingSeen[] = [];
  for (const variable of ['JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS'] as const) {
    const value = env.get(variable);
    if (value)
      settings.push(
        ...propertiesFromOptionsVariable(value).map((p) => ({ ...p, source: variable })),
      );
  }
  settings.push(...cmdProps.map((p) => ({ ...p, source: 'command-line' as const })));
  const envValue = env.get(NO_LOOKUPS_ENV);
  if (envValue !== undefined)
    settings.push({ name: NO_LOOKUPS_ENV, value: envValue, source: 'environment' });
  return settings;
}

/** A container's uids name the container's users: look them up in its own /etc/passwd. */
async function containerUserName(
  proc: ProcReader,
  pid: number,
  uid: number,
): Promise<string | undefined> {
  try {
    const text = await readFile(proc.inRoot(pid, '/etc/passwd'), 'utf8');
    return parsePasswd(text).value.find((e) => e.uid === uid)?.name;
  } catch {
    return undefined;
  }
}

export interface ReadContext {
  bootTimeSeconds?: number;
  userName: (uid: number) => string | undefined;
}

async function readStartedAt(
  proc: ProcReader,
  pid: number,
  bootTimeSeconds: number | undefined,
): Promise<string | undefined> {
  const stat = await proc.text(pid, 'stat');
  if (stat === undefined || bootTimeSeconds === undefined) return undefined;
  const ms = processStartMs(stat, bootTimeSeconds);
  return ms !== undefined ? new Date(ms).toISOString() : undefined;
}

type Identity = Pick<JvmProcess, 'uid' | 'user' | 'container'>;

async function readIdentity(proc: ProcReader, pid: number, ctx: ReadContext): Promise<Identity> {
  const status = await proc.text(pid, 'status');
  const uid = status !== undefined ? parseStatusUids(status)?.effectiveUid : undefined;
  const cgroup = await proc.text(pid, 'cgroup', { quiet: true });
  const container = cgroup !== undefined ? containerFromCgroup(cgroup) : undefined;
  if (uid === undefined) return { uid, container };
  const user = container ? await containerUserName(proc, pid, uid) : ctx.userName(uid);
  return { uid, user, container };
}

type ClasspathInfo = Pick<JvmProcess, 'classpath' | 'classpathSource'>;

async function readClasspath(
  proc: ProcReader,
  pid: number,
  cmd: JavaCommandLine,
  env: Map<string, string>,
  cwd: string | undefined,
): Promise<ClasspathInfo> {
  // java ignores -cp and CLASSPATH with -jar (the manifest's Class-Path applies instead).
  if (cmd.jar !== undefined) return { classpath: [] };
  if (cmd.classpath !== undefined)
    return {
      classpath: await expandClasspath(proc, pid, cmd.classpath, cwd),
      classpathSource: 'command-line',
    };
  const fromEnv = env.get('CLASSPATH');
  if (fromEnv === undefined) return { classpath: [] };
  return {
    classpath: await expandClasspath(proc, pid, fromEnv, cwd),
    classpathSource: 'CLASSPATH',
  };
}

/** Everything /proc tells about one JVM. Undefined when the process is gone or has no command line. */
export async function readJvmProcess(
  proc: ProcReader,
  pid: number,
  ctx: ReadContext,
): Promise<ProcessDetails | undefined> {
  const cmdlineText = await proc.text(pid, 'cmdline');
  if (cmdlineText === undefined || cmdlineText === '') return undefined;
  const cmdline = splitNul(cmdlineText);
  const cwd = await proc.link(pid, 'cwd');
  const cmd = parseJavaCommandLine(
    await expandArgFiles(cmdline, (f) => readArgFile(proc, pid, f, cwd)),
  );
  const exeLink = await proc.link(pid, 'exe');
  const exe = exeLink !== undefined ? stripDeleted(exeLink) : undefined;
  const environText = await proc.text(pid, 'environ');
  const env = environText !== undefined ? parseEnviron(environText) : new Map<string, string>();
  const settings = collectSettings(cmd.systemProperties, env);
  const fdLinks = await readFdLinks(proc, pid);
  const socketInodes = new Set(
    [...fdLinks.values()].map(socketInode).filter((i): i is number => i !== undefined),
  );

  const info: JvmProcess = {
    pid,
    ...(await readIdentity(proc, pid, ctx)),
    main: describeMain(cmd),
    comm: (await proc.text(pid, 'comm', { quiet: true }))?.trim(),
    exe,
    cmdline,
    mainClass: cmd.mainClass,
    jar: cmd.jar !== undefined ? absolute(cmd.jar, cwd) : undefined,
    module: cmd.module,
    cwd,
    ...(await readClasspath(proc, pid, cmd, env, cwd)),
    systemProperties: Object.fromEntries(
      settings.filter((s) => s.source !== 'environment').map((s) => [s.name, s.value]),
    ),
    java: exe !== undefined ? await readRuntime(proc, pid, exe) : undefined,
    startedAt: await readStartedAt(proc, pid, ctx.bootTimeSeconds),
    openArchives: [],
  };
  return { info, fdLinks, socketInodes, settings };
}
