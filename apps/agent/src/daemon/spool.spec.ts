import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SpoolReader, SpoolWriter } from './spool';

describe('spool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spool-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads back the records written, in order', async () => {
    const file = path.join(dir, 'findings.spool');
    const writer = new SpoolWriter(file);
    for (const text of ['a', '', 'ccc']) writer.append(Buffer.from(text));
    writer.close();
    const reader = await SpoolReader.open(file);
    const records = await reader.take(10);
    await reader.close();
    expect(records.map((r) => Buffer.from(r).toString())).toEqual(['a', '', 'ccc']);
  });

  it('names a damaged file instead of sizing a buffer by its 4 GiB length', async () => {
    const file = path.join(dir, 'errors.spool');
    await writeFile(file, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01]));
    const reader = await SpoolReader.open(file);
    await expect(reader.next()).rejects.toThrow(
      `spool ${file} is damaged: a record of 4294967295 bytes`,
    );
    await reader.close();
  });
});
