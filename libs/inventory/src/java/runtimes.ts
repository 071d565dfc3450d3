import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { JavaRuntime, JavaRuntimeSource } from '../types';
import type { RootFs } from '../util/root-fs';
import { listPids, parseEnviron } from '../proc/processes';
import { parseJavaRelease } from './release';

// /opt/<vendor>/<product>/<jdk>/bin/java is as deep as real installs go.
const OPT_MAX_DEPTH = 4;
const OPT_MAX_DIRS = 5000;
const JAVA_NAMES = new Set(['java', 'javaw']);

/** Strips the root prefix from a resolved real path so runtimes are named as the host sees them. */
async function realHostPath(fs: RootFs, p: string): Promise<string> {
  try {
    const real = await realpath(fs.resolve(p));
    if (fs.root === '/') return real;
    const rel = path.relative(fs.root, real);
    return rel.startsWith('..') ? p : `/${rel}`;
  } catch {
    return p;
  }
}

/** Reads `release` from the runtime home, else from its parent (a JDK 8 jre/ inside the JDK). */
async function readRelease(
  fs: RootFs,
  home: string,
  prefix = '',
): Promise<Pick<JavaRuntime, 'vendor' | 'version' | 'runtimeVersion'>> {
  for (const dir of [home, path.dirname(home)]) {
    const file = `${prefix}${path.join(dir, 'release')}`;
    const text = await fs.readText(file, { quiet: true });
    if (text === undefined) continue;
    const parsed = parseJavaRelease(text, file);
    fs.warnings.push(...parsed.warnings);
    return {
      vendor: parsed.value.vendor,
      version: parsed.value.version,
      runtimeVersion: parsed.value.runtimeVersion,
    };
  }
  return {};
}

class RuntimeSet {
  private readonly byHome = new Map<string, JavaRuntime>();

  constructor(private readonly fs: RootFs) {}

  async add(home: string, source: JavaRuntimeSource, pid?: number, prefix = ''): Promise<void> {
    const realHome = prefix === '' ? await realHostPath(this.fs, home) : home;
    let rt = this.byHome.get(realHome);
    if (!rt) {
      const release = await readRelease(this.fs, realHome, prefix);
      rt = {
        home: realHome,
        javaBinary: path.join(realHome, 'bin', 'java'),
        ...release,
        sources: [],
        runningPids: [],
      };
      this.byHome.set(realHome, rt);
    }
    if (!rt.sources.includes(source)) rt.sources.push(source);
    if (pid !== undefined && !rt.runningPids.includes(pid)) rt.runningPids.push(pid);
  }

  list(): JavaRuntime[] {
    return [...this.byHome.values()].sort((a, b) => a.home.localeCompare(b.home));
  }
}

async function fromUsrLibJvm(fs: RootFs, set: RuntimeSet): Promise<void> {
  for (const entry of await fs.readdir('/usr/lib/jvm')) {
    const home = path.join('/usr/lib/jvm', entry.name);
    if (await fs.exists(path.join(home, 'bin', 'java'))) await set.add(home, 'usr-lib-jvm');
  }
}

async function fromOpt(fs: RootFs, set: RuntimeSet): Promise<void> {
  const queue: Array<{ dir: string; depth: number }> = [{ dir: '/opt', depth: 0 }];
  let visited = 0;
  while (queue.length > 0 && visited < OPT_MAX_DIRS) {
    const { dir, depth } = queue.shift()!;
    visited++;
    const entries = await fs.readdir(dir);
    if (entries.some((e) => e.name === 'bin') && (await fs.exists(path.join(dir, 'bin', 'java')))) {
      await set.add(dir, 'opt');
      continue;
    }
    if (depth >= OPT_MAX_DEPTH) continue;
    for (const e of entries)
      if (e.isDirectory()) queue.push({ dir: path.join(dir, e.name), depth: depth + 1 });
  }
}

async function fromProcesses(fs: RootFs, set: RuntimeSet): Promise<void> {
  for (const pid of await listPids(fs)) {
    const exe = await fs.readlinkQuiet(`/proc/${pid}/exe`);
    const exePath = exe?.replace(/ \(deleted\)$/, '');
    if (exePath && JAVA_NAMES.has(path.basename(exePath))) {
      await set.add(path.dirname(path.dirname(exePath)), 'running', pid, `/proc/${pid}/root`);
    }
    const environ = await fs.readText(`/proc/${pid}/environ`, { quiet: true });
    const javaHome = environ !== undefined ? parseEnviron(environ).get('JAVA_HOME') : undefined;
    if (javaHome && path.isAbsolute(javaHome)) await set.add(path.normalize(javaHome), 'java-home');
  }
}

/**
 * Java runtimes installed on disk (/usr/lib/jvm/*, /opt up to a small depth, JAVA_HOME of running
 * processes) and in use (/proc/PID/exe of java processes). Versions come from `release` files;
 * java itself is never executed.
 */
export async function collectJavaRuntimes(fs: RootFs): Promise<JavaRuntime[]> {
  const set = new RuntimeSet(fs);
  await fromUsrLibJvm(fs, set);
  await fromOpt(fs, set);
  await fromProcesses(fs, set);
  return set.list();
}
