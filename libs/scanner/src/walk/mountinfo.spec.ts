import { readFileSync, statSync } from 'node:fs';
import {
  classifyFsType,
  makeDev,
  MountTable,
  parseMountinfo,
  plannedMountSkips,
  unescapeMountField,
} from './mountinfo';

const FIXTURE = [
  '22 27 0:21 / /proc rw,relatime shared:13 - proc proc rw',
  '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard',
  '61 27 0:52 / /mnt/team\\040share rw,relatime shared:30 master:2 - nfs4 srv:/export\\040x rw,vers=4.2',
  '70 27 0:60 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u',
  '71 27 0:61 /sub /opt/tab\\011and\\134back rw - tmpfs tmpfs rw',
  '72 27 0:62 / /home/u/remote rw,nosuid - fuse.sshfs u@host:/ rw',
  'garbage line without the format',
  '',
].join('\n');

describe('parseMountinfo', () => {
  const entries = parseMountinfo(FIXTURE);
  const byPoint = new Map(entries.map((e) => [e.mountPoint, e]));

  it('keeps the well-formed lines and drops malformed ones', () => {
    expect(entries.map((e) => e.mountPoint)).toEqual([
      '/proc',
      '/',
      '/mnt/team share',
      '/var/lib/docker/overlay2/abc/merged',
      '/opt/tab\tand\\back',
      '/home/u/remote',
    ]);
  });

  it('decodes octal escapes and reads fields after optional tags', () => {
    const nfs = byPoint.get('/mnt/team share');
    expect(nfs).toMatchObject({
      fsType: 'nfs4',
      source: 'srv:/export x',
      optionalFields: ['shared:30', 'master:2'],
    });
    expect(byPoint.get('/opt/tab\tand\\back')).toMatchObject({
      fsType: 'tmpfs',
      root: '/sub',
      optionalFields: [],
    });
    expect(byPoint.get('/')).toMatchObject({
      major: 254,
      minor: 0,
      fsType: 'ext4',
      source: '/dev/vda',
    });
  });

  it('classifies proc as pseudo, nfs4 and sshfs as network, overlay and tmpfs as local', () => {
    const classes = entries.map((e) => [e.fsType, classifyFsType(e.fsType)]);
    expect(classes).toEqual([
      ['proc', 'pseudo'],
      ['ext4', 'local'],
      ['nfs4', 'network'],
      ['overlay', 'local'],
      ['tmpfs', 'local'],
      ['fuse.sshfs', 'network'],
    ]);
  });

  it('decodes escaped UTF-8 bytes of a mount point', () => {
    expect(unescapeMountField('/mnt/caf\\303\\251')).toBe('/mnt/café');
  });
});

describe('MountTable on this machine', () => {
  it('parses every line of /proc/self/mountinfo and maps / to the st_dev Node reports', async () => {
    const text = readFileSync('/proc/self/mountinfo', 'latin1');
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const table = await MountTable.read();
    expect(table.entries).toHaveLength(lines.length);
    const root = table.lookup(statSync('/').dev);
    expect(root).toBeDefined();
    expect(table.entries.some((e) => e.mountPoint === '/' && e.dev === root?.dev)).toBe(true);
    expect(table.lookup(statSync('/proc').dev)?.fsType).toBe('proc');
  });

  it('encodes major:minor the way st_dev does', () => {
    expect(makeDev(254, 0)).toBe(0xfe00);
    expect(makeDev(8, 1)).toBe(0x801);
    expect(makeDev(0, 300)).toBe(0x10002c);
  });
});

describe('plannedMountSkips', () => {
  const table = new MountTable(parseMountinfo(FIXTURE));
  const none = { includeNetworkFs: false, includePseudoFs: false, oneFileSystem: false };

  it('lists pseudo and network mounts below the roots, and nothing local', () => {
    expect(plannedMountSkips(['/'], none, table)).toEqual([
      { mountPoint: '/home/u/remote', reason: 'network filesystem fuse.sshfs' },
      { mountPoint: '/mnt/team share', reason: 'network filesystem nfs4' },
      { mountPoint: '/proc', reason: 'pseudo filesystem proc' },
    ]);
    expect(plannedMountSkips(['/home'], none, table)).toEqual([
      { mountPoint: '/home/u/remote', reason: 'network filesystem fuse.sshfs' },
    ]);
  });

  it('lists every other mount with oneFileSystem, and no network mount when they are included', () => {
    const points = plannedMountSkips(
      ['/'],
      { includeNetworkFs: true, includePseudoFs: false, oneFileSystem: true },
      table,
    ).map((s) => s.reason);
    expect(points).toEqual([
      'another filesystem (fuse.sshfs, one-file-system)',
      'another filesystem (nfs4, one-file-system)',
      'another filesystem (tmpfs, one-file-system)',
      'pseudo filesystem proc',
      'another filesystem (overlay, one-file-system)',
    ]);
  });
});
