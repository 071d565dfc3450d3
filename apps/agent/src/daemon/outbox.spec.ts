import { readdir, readFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { UploadResultsRequest } from '@log4fleet/contracts';
import { Outbox, OUTBOX_DIR, UnreadableChunkError } from './outbox';

const CMD_A = '0b0e6c1e-0000-4000-8000-00000000000a';
const CMD_B = '0b0e6c1e-0000-4000-8000-00000000000b';

function chunk(commandId: string, sequence: number, totalChunks = 3): UploadResultsRequest {
  return {
    commandId,
    sequence,
    totalChunks,
    findings: [
      {
        chain: [
          Buffer.from('/opt/app/lib/app.war'),
          Buffer.from('WEB-INF/lib/log4j-core-2.14.1.jar'),
        ],
        product: 'log4j-core',
        version: '2.14.1',
        versionExact: true,
        status: 'vulnerable',
        cves: ['CVE-2021-44228'],
        evidence: ['JndiManager.class md5'],
        packageRoot: 'org/apache/logging/log4j/',
        sha256: 'ab'.repeat(32),
      },
    ],
    errors: [],
    summary: undefined,
  };
}

describe('Outbox', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'outbox-'));
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  it('stores a chunk as a private file and reads it back intact', async () => {
    const outbox = await Outbox.open(stateDir);
    const entry = await outbox.put(chunk(CMD_A, 1));
    expect(await outbox.read(entry)).toEqual(chunk(CMD_A, 1));
    expect((await stat(path.join(outbox.dir, entry.name))).mode & 0o777).toBe(0o600);
    expect((await stat(outbox.dir)).mode & 0o777).toBe(0o700);
  });

  it('gives back after a restart every chunk not yet acknowledged, in sequence order', async () => {
    const before = await Outbox.open(stateDir);
    for (const seq of [2, 0, 1]) await before.put(chunk(CMD_A, seq));
    const entries = await before.list();
    await before.acknowledge(entries[0]);

    const after = await Outbox.open(stateDir);
    const resumed = await after.list();
    expect(resumed.map((e) => [e.commandId, e.sequence])).toEqual([
      [CMD_A, 1],
      [CMD_A, 2],
    ]);
    expect(await after.count()).toBe(2);
  });

  it('keeps chunks of an older command ahead of a newer one', async () => {
    const outbox = await Outbox.open(stateDir);
    await outbox.put(chunk(CMD_B, 0));
    await new Promise((r) => setTimeout(r, 20));
    await outbox.put(chunk(CMD_A, 0));
    expect((await outbox.list()).map((e) => e.commandId)).toEqual([CMD_B, CMD_A]);
  });

  it('deletes a chunk only when acknowledged, and reads nothing once it is gone', async () => {
    const outbox = await Outbox.open(stateDir);
    const entry = await outbox.put(chunk(CMD_A, 0));
    expect(await outbox.count()).toBe(1);
    await outbox.acknowledge(entry);
    expect(await outbox.count()).toBe(0);
    expect(await outbox.read(entry)).toBeUndefined();
  });

  it('ignores and cleans up a half-written temp file left by a killed process', async () => {
    const dir = path.join(stateDir, OUTBOX_DIR);
    const outbox = await Outbox.open(stateDir);
    await outbox.put(chunk(CMD_A, 0));
    await writeFile(
      path.join(dir, `.tmp-${CMD_A}.000001.chunk-deadbeef`),
      Buffer.from([0x0a, 0xff]),
    );
    expect((await outbox.list()).map((e) => e.sequence)).toEqual([0]);

    await Outbox.open(stateDir);
    expect((await readdir(dir)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('overwrites a chunk written again (a rerun) instead of keeping two copies', async () => {
    const outbox = await Outbox.open(stateDir);
    await outbox.put(chunk(CMD_A, 0, 3));
    await outbox.put(chunk(CMD_A, 0, 4));
    const entries = await outbox.list();
    expect(entries).toHaveLength(1);
    expect((await outbox.read(entries[0]))?.totalChunks).toBe(4);
  });

  it('sets a refused chunk aside instead of deleting it', async () => {
    const outbox = await Outbox.open(stateDir);
    const entry = await outbox.put(chunk(CMD_A, 0));
    const movedTo = await outbox.reject(entry);
    expect(await outbox.count()).toBe(0);
    expect((await stat(movedTo)).isFile()).toBe(true);
  });

  it('refuses a command id that could escape the outbox directory', async () => {
    const outbox = await Outbox.open(stateDir);
    await expect(outbox.put(chunk('../../etc/passwd', 0))).rejects.toThrow(
      /not usable as a file name/,
    );
  });

  it('C1: takes only lowercase canonical UUIDs as command ids, writing nothing else', async () => {
    const outbox = await Outbox.open(stateDir);
    for (const id of [CMD_A.toUpperCase(), '..', `${CMD_A}\u0000`, 'a_b', CMD_A.slice(1)]) {
      await expect(outbox.put(chunk(id, 0))).rejects.toThrow(/not usable as a file name/);
    }
    expect(await readdir(path.join(stateDir, OUTBOX_DIR))).toEqual([]);
  });

  it('C1: lists only chunk files named after a command id, and refuses a file that is not what its name says', async () => {
    const dir = path.join(stateDir, OUTBOX_DIR);
    const outbox = await Outbox.open(stateDir);
    const good = await outbox.put(chunk(CMD_A, 0));
    await writeFile(path.join(dir, `${CMD_A.toUpperCase()}.000000.chunk`), 'x');
    await writeFile(path.join(dir, `..${CMD_B}.000000.chunk`), 'x');
    await writeFile(path.join(dir, `${CMD_B}.000000.chunk`), Buffer.from([0x0a, 0xff]));
    await writeFile(
      path.join(dir, `${CMD_B}.000001.chunk`),
      await readFile(path.join(dir, good.name)),
    );
    const entries = await outbox.list();
    expect(entries.map((e) => [e.commandId, e.sequence])).toEqual(
      expect.arrayContaining([
        [CMD_A, 0],
        [CMD_B, 0],
        [CMD_B, 1],
      ]),
    );
    expect(entries).toHaveLength(3);
    const [garbled, renamed] = entries.filter((e) => e.commandId === CMD_B);
    await expect(outbox.read(garbled)).rejects.toThrow(UnreadableChunkError);
    await expect(outbox.read(renamed)).rejects.toThrow(/not what its name says/);
  });
});
