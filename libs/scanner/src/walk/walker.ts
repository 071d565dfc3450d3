import { lstatSync, readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import type { ScanError, ScanErrorCode } from '../types';
import {
  childOf,
  devIno,
  errnoCode,
  fsPath,
  isAncestor,
  joinDisplay,
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

// Directories are read with synchronous calls: each readdir or stat through the thread pool
// cost a hand-off there and back (futex + epoll wake-ups), which on a 200,000-file tree was
// more CPU than the reads themselves. The walk yields to the event loop between batches.
/** Files per batch handed to the consumer. */
export const WALK_BATCH_FILES = 256;
/** A batch is handed over once its names hold this many characters, whatever their count. */
const WALK_BATCH_CHARS = 64 * 1024;
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
  /**
   * Directories reached through a symbolic link, entered only once every real directory has
   * been walked: a directory reachable both ways is then reported under its real path, not
   * under whichever link the walk happened to meet first (node_modules/@scope/x -> ../../x).
   */
  private readonly linked: Array<{ parent: DirTask; child: Located; st: Stats }> = [];
  private batch: Located[] = [];
  private batchChars = 0;
  private readonly full: Located[][] = [];
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
      st = statSync(fsPath(item));
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

  /** Batches of regular files, in directory order (depth first). */
  async *batches(): AsyncGenerator<Located[]> {
    while (!this.stopped) {
      const ready = this.full.shift();
      if (ready) {
        yield ready;
        continue;
      }
      const task = this.pending.pop() ?? (await this.nextLinked());
      if (!task) break;
      try {
        await this.readDirectory(task);
      } catch (err) {
        this.fail(task, 'internal', `walking ${task.path} failed: ${messageOf(err)}`);
      }
    }
    if (this.stopped) return;
    yield* this.full.splice(0);
    if (this.batch.length > 0) yield this.batch;
    this.batch = [];
  }

  private emit(file: Located): void {
    this.counters.files++;
    this.batch.push(file);
    this.batchChars += file.path.length;
    if (this.batch.length < WALK_BATCH_FILES && this.batchChars < WALK_BATCH_CHARS) return;
    this.full.push(this.batch);
    this.batch = [];
    this.batchChars = 0;
  }

  /** Entries of a directory; names that are not valid UTF-8 keep their bytes. */
  private listDirectory(task: DirTask): Array<[Located, Dirent | Dirent<Buffer>]> {
    if (!task.raw) {
      // Strings cost far less than a Buffer per name; only a directory with a name that does
      // not decode (U+FFFD) is read again as bytes.
      const entries = readdirSync(task.path, { withFileTypes: true });
      if (!entries.some((e) => e.name.includes('\uFFFD')))
        return entries.map((e) => [{ path: joinDisplay(task.path, e.name) }, e]);
    }
    const raw = readdirSync(fsPath(task), { withFileTypes: true, encoding: 'buffer' });
    return raw.map((e) => [childOf(task, e.name), e]);
  }

  private async readDirectory(task: DirTask): Promise<void> {
    let entries: Array<[Located, Dirent | Dirent<Buffer>]>;
    try {
      entries = this.listDirectory(task);
    } catch (err) {
      this.report(task, err, 'cannot read directory');
      return;
    }
    this.counters.directories++;
    const dirs: Located[] = [];
    const others: [Located, SpecialKind][] = [];
    const excluding = !this.exclude.empty;
    for (const [child, entry] of entries) {
      const kind = specialKind(entry);
      if (kind === 'other' || (excluding && this.isExcluded(child))) continue;
      if (kind === 'file') this.emit(child);
      else if (kind === 'directory') dirs.push(child);
      else others.push([child, kind]);
    }
    // Real directories first, so a directory also reachable by a link keeps its real path.
    for (const child of dirs) if (!this.stopped) await this.visitSpecial(task, child, 'directory');
    for (const [child, kind] of others)
      if (!this.stopped) await this.visitSpecial(task, child, kind);
  }

  private async visitSpecial(parent: DirTask, child: Located, kind: SpecialKind): Promise<void> {
    let st: Stats;
    try {
      st = kind === 'unknown' ? lstatSync(fsPath(child)) : statSync(fsPath(child));
    } catch (err) {
      // A dangling link is not an error: there is nothing to scan behind it.
      if (kind === 'symlink' && errnoCode(err) === 'ENOENT') return;
      this.report(child, err, kind === 'symlink' ? 'cannot follow symbolic link' : 'cannot stat');
      return;
    }
    const actual = kindOfStats(st);
    if (kind === 'unknown' && actual === 'symlink')
      return this.visitSpecial(parent, child, 'symlink');
    if (actual === 'file') this.emit(child);
    else if (actual === 'directory')
      await this.enterDirectory(parent, child, st, kind === 'symlink');
  }

  /** The next directory reached through a link that no real path has walked, queued. */
  private async nextLinked(): Promise<DirTask | undefined> {
    for (let next = this.linked.shift(); next; next = this.linked.shift()) {
      await this.enterDirectory(next.parent, next.child, next.st, true, true);
      const task = this.pending.pop();
      if (task) return task;
    }
    return undefined;
  }

  private async enterDirectory(
    parent: DirTask,
    child: Located,
    st: Stats,
    viaLink: boolean,
    deferred = false,
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
    if (viaLink && !deferred) {
      this.linked.push({ parent, child, st });
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
 * Walks files and directories, yielding batches of regular files (symlinks to files included).
 * Errors go to onError and the walk goes on; skipped mounts and exclusions go to opts.onSkip.
 */
export async function* walkBatches(
  roots: ReadonlyArray<string | Buffer>,
  opts: WalkOptions,
  onError: (e: ScanError) => void,
  counters: WalkCounters,
): AsyncGenerator<WalkedFile[]> {
  const walker = new Walker(opts, onError, counters);
  try {
    await walker.loadMounts();
    for (const root of roots) {
      const file = await walker.addRoot(root);
      if (file) yield [file];
    }
    yield* walker.batches();
  } finally {
    walker.stopped = true;
  }
}

/** walkBatches() one file at a time. */
export async function* walk(
  roots: ReadonlyArray<string | Buffer>,
  opts: WalkOptions,
  onError: (e: ScanError) => void,
  counters: WalkCounters,
): AsyncGenerator<WalkedFile> {
  for await (const batch of walkBatches(roots, opts, onError, counters)) yield* batch;
}

export { MountTable, mountSkipReason, plannedMountSkips, type MountSkipPolicy } from './mountinfo';
export {
  checkExcludePatterns,
  InvalidExcludePattern,
  MAX_EXCLUDE_PATTERN_CHARS,
  MAX_EXCLUDE_PATTERNS,
} from './exclude';
