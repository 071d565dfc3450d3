import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import type { ScanError, ScanErrorCode } from '../types';
import {
  childOf,
  devIno,
  errnoCode,
  fsPath,
  isAncestor,
  kindOfStats,
  messageOf,
  rootOf,
  scanCodeOf,
  specialKind,
  VisitedDirs,
  type Ancestor,
  type Located,
  type SpecialKind,
} from './entries';
import { ExcludeMatcher } from './exclude';
import { classifyFsType, MountTable } from './mountinfo';

export interface WalkedFile {
  /** Display path (UTF-8 decoded; lossy when the name is not valid UTF-8). */
  path: string;
  /** Exact bytes of the path, set only when `path` does not round-trip to them: open with this. */
  raw?: Buffer;
}

export interface WalkOptions {
  /** Absolute path prefixes or globs (see exclude.ts); matching directories are not descended into. */
  exclude: string[];
  includeNetworkFs: boolean;
  includePseudoFs: boolean;
  /** Never cross into a directory whose st_dev differs from the st_dev of its root. */
  oneFileSystem: boolean;
  /** Defaults to /proc/self/mountinfo; a missing file means no mount filtering. */
  mountinfoPath?: string;
  /** Told about everything skipped on purpose (mounts, other filesystems, exclusions, duplicates). */
  onSkip?: (path: string, reason: string) => void;
}

export interface WalkCounters {
  files: number;
  directories: number;
}

// Measured on /usr (126,000 files, 16,000 directories): 1 in flight 2.0 s, 2: 1.3 s, 4: 1.0 s, 8: 1.0 s.
const MAX_READDIRS_IN_FLIGHT = 4;
// Stop reading directories while this many files wait for the consumer (bounded memory).
const MAX_BUFFERED_FILES = 8192;
const STATS_IN_FLIGHT = 32;
interface DirTask extends Located {
  dev: number;
  rootDev: number;
  ancestors: Ancestor;
}

class Walker {
  private readonly exclude: ExcludeMatcher;
  private mounts: MountTable | undefined;
  private readonly devsRefreshed = new Set<number>();
  private readonly visited = new VisitedDirs();
  private readonly pending: DirTask[] = [];
  private readonly ready: Located[][] = [];
  private buffered = 0;
  private inFlight = 0;
  private wake: (() => void) | undefined;
  stopped = false;

  constructor(
    private readonly opts: WalkOptions,
    private readonly onError: (e: ScanError) => void,
    private readonly counters: WalkCounters,
  ) {
    this.exclude = new ExcludeMatcher(opts.exclude);
  }

  async loadMounts(): Promise<void> {
    try {
      this.mounts = await MountTable.read(this.opts.mountinfoPath);
    } catch {
      this.mounts = undefined; // not Linux, or no /proc: nothing to classify mounts with
    }
  }

  /** Stats a root; returns it when it is a file, queues it when it is a directory. */
  async addRoot(root: string | Buffer): Promise<Located | undefined> {
    const item = rootOf(root);
    if (this.isExcluded(item)) return undefined;
    let st: Stats;
    try {
      st = await stat(fsPath(item));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT')
        return this.fail(item, 'io-error', `${item.path}: no such file or directory`);
      return this.report(item, err, 'cannot stat');
    }
    if (st.isFile()) {
      this.counters.files++;
      return item;
    }
    if (!st.isDirectory()) {
      this.opts.onSkip?.(item.path, 'not a regular file or directory');
      return undefined;
    }
    if (this.visited.has(st)) return undefined;
    if (!(await this.mountAllowed(item.path, st.dev, st.dev))) return undefined;
    this.visited.add(st);
    this.pending.push({ ...item, dev: st.dev, rootDev: st.dev, ancestors: { key: devIno(st) } });
    return undefined;
  }

  async *drain(): AsyncGenerator<Located> {
    for (;;) {
      this.fill();
      const batch = this.ready.shift();
      if (batch) {
        this.buffered -= batch.length;
        yield* batch;
        continue;
      }
      if (this.inFlight === 0) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private fill(): void {
    while (this.inFlight < MAX_READDIRS_IN_FLIGHT && this.buffered < MAX_BUFFERED_FILES) {
      const task = this.pending.pop();
      if (!task) return;
      this.inFlight++;
      void this.readDirectory(task)
        .catch((err: unknown) =>
          this.fail(task, 'internal', `walking ${task.path} failed: ${messageOf(err)}`),
        )
        .finally(() => {
          this.inFlight--;
          const wake = this.wake;
          this.wake = undefined;
          wake?.();
        });
    }
  }

  private emit(files: Located[]): void {
    if (files.length === 0) return;
    this.counters.files += files.length;
    this.buffered += files.length;
    this.ready.push(files);
  }

  private async readDirectory(task: DirTask): Promise<void> {
    if (this.stopped) return;
    let entries: Dirent<Buffer>[];
    try {
      entries = await readdir(fsPath(task), { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      this.report(task, err, 'cannot read directory');
      return;
    }
    this.counters.directories++;
    const files: Located[] = [];
    const dirs: Located[] = [];
    const others: [Located, SpecialKind][] = [];
    for (const entry of entries) {
      const child = childOf(task, entry.name);
      const kind = specialKind(entry);
      if (kind === 'other' || this.isExcluded(child)) continue;
      if (kind === 'file') files.push(child);
      else if (kind === 'directory') dirs.push(child);
      else others.push([child, kind]);
    }
    this.emit(files);
    // Real directories first, so a directory also reachable by a link keeps its real path.
    const specials: [Located, SpecialKind][] = [
      ...dirs.map((d): [Located, SpecialKind] => [d, 'directory']),
      ...others,
    ];
    for (let i = 0; i < specials.length && !this.stopped; i += STATS_IN_FLIGHT) {
      const chunk = specials.slice(i, i + STATS_IN_FLIGHT);
      await Promise.all(chunk.map(([child, kind]) => this.visitSpecial(task, child, kind)));
    }
  }

  private async visitSpecial(parent: DirTask, child: Located, kind: SpecialKind): Promise<void> {
    let st: Stats;
    try {
      st = kind === 'unknown' ? await lstat(fsPath(child)) : await stat(fsPath(child));
    } catch (err) {
      // A dangling link is not an error: there is nothing to scan behind it.
      if (kind === 'symlink' && errnoCode(err) === 'ENOENT') return;
      this.report(child, err, kind === 'symlink' ? 'cannot follow symbolic link' : 'cannot stat');
      return;
    }
    const actual = kindOfStats(st);
    if (kind === 'unknown' && actual === 'symlink')
      return this.visitSpecial(parent, child, 'symlink');
    if (actual === 'file') this.emit([child]);
    else if (actual === 'directory')
      await this.enterDirectory(parent, child, st, kind === 'symlink');
  }

  private async enterDirectory(
    parent: DirTask,
    child: Located,
    st: Stats,
    viaLink: boolean,
  ): Promise<void> {
    const key = devIno(st);
    if (viaLink && isAncestor(parent.ancestors, key)) {
      this.fail(
        child,
        'symlink-loop',
        `${child.path}: symbolic link loop (points to a directory that contains it)`,
      );
      return;
    }
    if (this.visited.has(st)) {
      if (viaLink) this.opts.onSkip?.(child.path, 'directory already walked through another path');
      return;
    }
    if (st.dev !== parent.dev && !(await this.mountAllowed(child.path, st.dev, parent.rootDev)))
      return;
    this.visited.add(st);
    this.pending.push({
      ...child,
      dev: st.dev,
      rootDev: parent.rootDev,
      ancestors: { key, parent: parent.ancestors },
    });
  }

  private async mountAllowed(displayPath: string, dev: number, rootDev: number): Promise<boolean> {
    if (this.opts.oneFileSystem && dev !== rootDev) {
      this.opts.onSkip?.(displayPath, 'on another filesystem (one-file-system)');
      return false;
    }
    const mount = await this.mountOf(dev);
    if (!mount) return true;
    const fsClass = classifyFsType(mount.fsType);
    if (fsClass === 'pseudo' && !this.opts.includePseudoFs) {
      this.opts.onSkip?.(
        displayPath,
        `pseudo filesystem ${mount.fsType} mounted at ${mount.mountPoint}`,
      );
      return false;
    }
    if (fsClass === 'network' && !this.opts.includeNetworkFs) {
      this.opts.onSkip?.(
        displayPath,
        `network filesystem ${mount.fsType} mounted at ${mount.mountPoint}`,
      );
      return false;
    }
    return true;
  }

  /** Mount of a device; mountinfo is read again once for a device mounted after the walk began. */
  private async mountOf(dev: number): Promise<{ fsType: string; mountPoint: string } | undefined> {
    if (!this.mounts) return undefined;
    const found = this.mounts.lookup(dev);
    if (found || this.devsRefreshed.has(dev)) return found;
    this.devsRefreshed.add(dev);
    await this.loadMounts();
    return this.mounts?.lookup(dev);
  }

  private isExcluded(item: Located): boolean {
    if (this.exclude.empty) return false;
    const pattern = this.exclude.match(item.path);
    if (pattern === undefined) return false;
    this.opts.onSkip?.(item.path, `excluded by ${pattern}`);
    return true;
  }

  private report(item: Located, err: unknown, what: string): undefined {
    const errno = errnoCode(err);
    // Vanished between readdir and use: a race with the host's own activity, not a problem.
    if (errno === 'ENOENT' || errno === 'ENOTDIR') return undefined;
    const reason = messageOf(err);
    return this.fail(item, scanCodeOf(errno), `${what} ${item.path}: ${reason}`);
  }

  private fail(item: Located, code: ScanErrorCode, error: string): undefined {
    const e: ScanError = { path: item.path, chain: [item.path], code, error };
    if (item.raw) e.pathBytesBase64 = item.raw.toString('base64');
    this.onError(e);
    return undefined;
  }
}

/**
 * Walks files and directories, yielding regular files only (symlinks to files included).
 * Errors go to onError and the walk goes on; skipped mounts and exclusions go to opts.onSkip.
 */
export async function* walk(
  roots: ReadonlyArray<string | Buffer>,
  opts: WalkOptions,
  onError: (e: ScanError) => void,
  counters: WalkCounters,
): AsyncGenerator<WalkedFile> {
  const walker = new Walker(opts, onError, counters);
  try {
    await walker.loadMounts();
    for (const root of roots) {
      const file = await walker.addRoot(root);
      if (file) yield file;
    }
    yield* walker.drain();
  } finally {
    walker.stopped = true;
  }
}

export { MountTable, mountSkipReason, plannedMountSkips, type MountSkipPolicy } from './mountinfo';
export {
  checkExcludePatterns,
  InvalidExcludePattern,
  MAX_EXCLUDE_PATTERN_CHARS,
  MAX_EXCLUDE_PATTERNS,
} from './exclude';
