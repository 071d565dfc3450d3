import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Outbox } from '../outbox';
import { putKindResults } from './kind-results';

const CMD = '0b0e6c1e-0000-4000-8000-00000000000c';
const part = {
  kind: {
    $case: 'release' as const,
    value: { state: 'released', code: '', reason: '', tableWasPresent: true },
  },
};

describe('putKindResults', () => {
  let dir: string;
  let outbox: Outbox;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kind-results-'));
    outbox = await Outbox.open(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes one chunk per part, numbered, each announcing the total, readable back', async () => {
    expect(await putKindResults(outbox, CMD, [part, part])).toBe(2);
    const entries = await outbox.list();
    const chunks = await Promise.all(entries.map((e) => outbox.read(e)));
    expect(chunks.map((c) => [c?.sequence, c?.totalChunks, c?.kindResults?.kind?.$case])).toEqual([
      [0, 2, 'release'],
      [1, 2, 'release'],
    ]);
    expect(chunks.every((c) => c?.findings.length === 0 && c.summary === undefined)).toBe(true);
  });

  it('refuses an empty list of parts (the controller could never tell the command is done)', async () => {
    await expect(putKindResults(outbox, CMD, [])).rejects.toThrow(
      `command ${CMD}: no results to put in the outbox`,
    );
    expect(await outbox.count()).toBe(0);
  });
});
