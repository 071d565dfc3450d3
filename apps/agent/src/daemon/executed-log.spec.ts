import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExecutedLog, EXECUTED_LOG_FILE, type ExecutedCommand } from './executed-log';

const entry = (id: string): ExecutedCommand => ({
  id,
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
    expect(reopened.get('a')).toMatchObject({ state: 'succeeded', totalChunks: 2 });
    expect(reopened.get('b')).toMatchObject({ state: 'failed', message: 'disk full' });
    expect(reopened.has('c')).toBe(false);
    expect((await stat(path.join(dir, EXECUTED_LOG_FILE))).mode & 0o777).toBe(0o600);
  });

  it('keeps one entry per id when a command is recorded twice', async () => {
    const log = await ExecutedLog.open(dir);
    await log.record(entry('a'));
    await log.record({ ...entry('a'), totalChunks: 5 });
    const reopened = await ExecutedLog.open(dir);
    expect(reopened.size).toBe(1);
    expect(reopened.get('a')?.totalChunks).toBe(5);
  });

  it('forgets the oldest ids beyond its capacity', async () => {
    const log = await ExecutedLog.open(dir, 3);
    for (const id of ['a', 'b', 'c', 'd', 'e']) await log.record(entry(id));
    const reopened = await ExecutedLog.open(dir, 3);
    expect(['a', 'b', 'c', 'd', 'e'].filter((id) => reopened.has(id))).toEqual(['c', 'd', 'e']);
  });

  it('loses no entry when records are written concurrently', async () => {
    const log = await ExecutedLog.open(dir);
    const ids = Array.from({ length: 20 }, (_, i) => `cmd-${i}`);
    await Promise.all(ids.map((id) => log.record(entry(id))));
    const reopened = await ExecutedLog.open(dir);
    expect(ids.filter((id) => !reopened.has(id))).toEqual([]);
  });

  it('remembers across a restart which outcomes the controller has not confirmed yet', async () => {
    const log = await ExecutedLog.open(dir);
    await log.record({ ...entry('a'), confirmed: false });
    await log.record({ ...entry('b'), confirmed: false });
    await log.record(entry('old-format'));
    await log.confirm(['a']);
    const reopened = await ExecutedLog.open(dir);
    expect(reopened.unconfirmed().map((e) => e.id)).toEqual(['b']);
  });
});
