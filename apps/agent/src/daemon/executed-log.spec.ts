import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExecutedLog, EXECUTED_LOG_FILE, type ExecutedCommand } from './executed-log';

/** The command id (a UUID, as the controller makes them) standing for `name`. */
const id = (name: string): string => {
  const hex = createHash('sha1').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

const entry = (name: string): ExecutedCommand => ({
  id: id(name),
  state: 'succeeded',
  totalChunks: 2,
  message: '',
  atMs: 1,
});

describe('ExecutedLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'executed-log-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('remembers executed commands across a restart, with their outcome', async () => {
    const log = await ExecutedLog.open(dir);
    await log.record(entry('a'));
    await log.record({ ...entry('b'), state: 'failed', message: 'disk full' });
    const reopened = await ExecutedLog.open(dir);
    expect(reopened.get(id('a'))).toMatchObject({ state: 'succeeded', totalChunks: 2 });
    expect(reopened.get(id('b'))).toMatchObject({ state: 'failed', message: 'disk full' });
    expect(reopened.has(id('c'))).toBe(false);
    expect((await stat(path.join(dir, EXECUTED_LOG_FILE))).mode & 0o777).toBe(0o600);
  });

  it('keeps one entry per id when a command is recorded twice', async () => {
    const log = await ExecutedLog.open(dir);
    await log.record(entry('a'));
    await log.record({ ...entry('a'), totalChunks: 5 });
    const reopened = await ExecutedLog.open(dir);
    expect(reopened.size).toBe(1);
    expect(reopened.get(id('a'))?.totalChunks).toBe(5);
  });

  it('forgets the oldest ids beyond its capacity', async () => {
    const log = await ExecutedLog.open(dir, 3);
    for (const name of ['a', 'b', 'c', 'd', 'e']) await log.record(entry(name));
    const reopened = await ExecutedLog.open(dir, 3);
    expect(['a', 'b', 'c', 'd', 'e'].filter((name) => reopened.has(id(name)))).toEqual([
      'c',
      'd',
      'e',
    ]);
  });

  it('loses no entry when records are written concurrently', async () => {
    const log = await ExecutedLog.open(dir);
    const names = Array.from({ length: 20 }, (_, i) => `cmd-${i}`);
    await Promise.all(names.map((name) => log.record(entry(name))));
    const reopened = await ExecutedLog.open(dir);
    expect(names.filter((name) => !reopened.has(id(name)))).toEqual([]);
  });

  it('remembers across a restart which outcomes the controller has not confirmed yet', async () => {
    const log = await ExecutedLog.open(dir);
    await log.record({ ...entry('a'), confirmed: false });
    await log.record({ ...entry('b'), confirmed: false });
    await log.record(entry('old-format'));
    await log.confirm([id('a')]);
    const reopened = await ExecutedLog.open(dir);
    expect(reopened.unconfirmed().map((e) => e.id)).toEqual([id('b')]);
  });

  it('C1: leaves out entries of its file whose id is no command id or whose outcome is unknown', async () => {
    const good = entry('a');
    const bad = [
      { ...entry('b'), id: '../../victim-dir' },
      { ...entry('c'), id: id('c').toUpperCase() },
      { ...entry('d'), state: 'exploded' },
      { ...entry('e'), totalChunks: 'many' },
      null,
      'text',
    ];
    await writeFile(path.join(dir, EXECUTED_LOG_FILE), JSON.stringify([good, ...bad]));
    const reopened = await ExecutedLog.open(dir);
    expect(reopened.size).toBe(1);
    expect(reopened.get(id('a'))).toEqual(good);
    expect(reopened.skipped).toBe(bad.length);
  });
});
