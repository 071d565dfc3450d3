import { readFile } from 'node:fs/promises';

/** One line of /proc/<pid>/mountinfo (see proc(5)). */
export interface MountEntry {
  mountId: number;
  parentId: number;
  major: number;
  minor: number;
  /** st_dev of files on this mount, as Node's fs.Stats reports it. */
  dev: number;
  /** Root of the mount within its filesystem (bind mounts). */
  root: string;
  mountPoint: string;
  mountOptions: string;
  /** Tagged fields between the mount options and the "-" separator (shared:N, master:N ...). */
  optionalFields: string[];
  /** Filesystem type with its subtype, e.g. "ext4", "fuse.sshfs". */
  fsType: string;
  source: string;
  superOptions: string;
}

export type FsClass = 'local' | 'pseudo' | 'network';

// Kernel-made filesystems with no files an application ships. tmpfs and overlay are not
// here: containers and /tmp keep real jars on them.
const PSEUDO_FS = new Set([
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'devtmpfs',
  'devpts',
  'securityfs',
  'debugfs',
  'tracefs',
  'pstore',
  'bpf',
  'configfs',
  'fusectl',
  'mqueue',
  'hugetlbfs',
  'autofs',
  'binfmt_misc',
  'efivarfs',
  'nsfs',
  'rpc_pipefs',
  'selinuxfs',
  'smackfs',
  'apparmorfs',
  'sockfs',
  'pipefs',
  'anon_inodefs',
  'nfsd',
  'fuse.lxcfs',
  'fuse.gvfsd-fuse',
  'fuse.portal',
]);

const NETWORK_FS = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'ncpfs',
  'afs',
  'ceph',
  'glusterfs',
  '9p',
  'davfs',
  'lustre',
  'gpfs',
  'beegfs',
  'orangefs',
  'pvfs2',
  'ocfs2',
  'gfs2',
  'fuse.sshfs',
  'fuse.glusterfs',
  'fuse.s3fs',
  'fuse.rclone',
  'fuse.gcsfuse',
  'fuse.davfs',
  'fuse.ceph-fuse',
  'fuse.cephfs',
  'fuse.juicefs',
  'fuse.goofys',
  'fuse.blobfuse',
]);

export function classifyFsType(fsType: string): FsClass {
  if (PSEUDO_FS.has(fsType)) return 'pseudo';
  if (NETWORK_FS.has(fsType)) return 'network';
  return 'local';
}

/** glibc's makedev(): how st_dev encodes major:minor on Linux. */
export function makeDev(major: number, minor: number): number {
  // Arithmetic, not shifts: JS shifts are 32-bit and signed.
  const low =
    (major & 0xfff) * 0x100 + (minor & 0xff) + (Math.floor(minor / 0x100) & 0xfff) * 0x100000;
  return low + Math.floor(major / 0x1000) * 2 ** 44;
}

/**
 * Undo the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash).
 * Works on latin1 text so that escaped bytes of multi-byte UTF-8 names reassemble.
 */
export function unescapeMountField(latin1: string): string {
  const bytes = latin1.replace(/\\([0-7]{3})/g, (_m, oct: string) =>
    String.fromCharCode(parseInt(oct, 8)),
  );
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Parses one mountinfo line; returns undefined for a line that does not have the format. */
export function parseMountinfoLine(line: string): MountEntry | undefined {
  const fields = line.trim().split(' ');
  const sep = fields.indexOf('-', 6);
  if (fields.length < 10 || sep < 0 || fields.length < sep + 4) return undefined;
  const devMatch = /^(\d+):(\d+)$/.exec(fields[2]);
  if (!devMatch) return undefined;
  const major = Number(devMatch[1]);
  const minor = Number(devMatch[2]);
  return {
    mountId: Number(fields[0]),
    parentId: Number(fields[1]),
    major,
    minor,
    dev: makeDev(major, minor),
    root: unescapeMountField(fields[3]),
    mountPoint: unescapeMountField(fields[4]),
    mountOptions: fields[5],
    optionalFields: fields.slice(6, sep),
    fsType: unescapeMountField(fields[sep + 1]),
    source: unescapeMountField(fields[sep + 2]),
    superOptions: fields[sep + 3],
  };
}

/** Parses mountinfo text given as latin1 (one char per byte); malformed lines are dropped. */
export function parseMountinfo(latin1Text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of latin1Text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseMountinfoLine(line);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The mounts of this process, looked up by the st_dev of a directory. */
export class MountTable {
  private readonly byDev = new Map<number, MountEntry>();

  constructor(readonly entries: MountEntry[]) {
    // Later lines are mounted over earlier ones; the last entry for a device wins.
    for (const entry of entries) this.byDev.set(entry.dev, entry);
  }

  lookup(dev: number): MountEntry | undefined {
    return this.byDev.get(dev);
  }

  static async read(path = '/proc/self/mountinfo'): Promise<MountTable> {
    const text = await readFile(path, 'latin1');
    return new MountTable(parseMountinfo(text));
  }
}

export interface MountSkipPolicy {
  includeNetworkFs: boolean;
  includePseudoFs: boolean;
  oneFileSystem: boolean;
}

function isUnder(child: string, parent: string): boolean {
  if (child === parent) return false;
  return parent === '/' ? child.startsWith('/') : child.startsWith(`${parent}/`);
}

/** Why the walker would not enter this mount, or undefined if it would. */
export function mountSkipReason(entry: MountEntry, policy: MountSkipPolicy): string | undefined {
  const fsClass = classifyFsType(entry.fsType);
  if (fsClass === 'pseudo' && !policy.includePseudoFs) return `pseudo filesystem ${entry.fsType}`;
  if (fsClass === 'network' && !policy.includeNetworkFs)
    return `network filesystem ${entry.fsType}`;
  if (policy.oneFileSystem) return `another filesystem (${entry.fsType}, one-file-system)`;
  return undefined;
}

/**
 * The mounts below the given absolute roots that a walk will skip, outermost only, for a
 * user to see before the scan (mounts reached through symlinks are reported by the walk).
 */
export function plannedMountSkips(
  roots: string[],
  policy: MountSkipPolicy,
  table: MountTable,
): { mountPoint: string; reason: string }[] {
  const skipped: { mountPoint: string; reason: string }[] = [];
  const sorted = [...table.entries].sort((a, b) => a.mountPoint.localeCompare(b.mountPoint));
  for (const entry of sorted) {
    if (!roots.some((root) => isUnder(entry.mountPoint, root))) continue;
    if (
      skipped.some(
        (s) => s.mountPoint === entry.mountPoint || isUnder(entry.mountPoint, s.mountPoint),
      )
    )
      continue;
    const reason = mountSkipReason(entry, policy);
    if (reason) skipped.push({ mountPoint: entry.mountPoint, reason });
  }
  return skipped;
}
