import { MicroBatcher, Settled } from './micro-batcher';

const ok = <T>(value: T): Settled<T> => ({ ok: true, value });

describe('MicroBatcher', () => {
  it('runs items submitted together as one batch, each caller getting its own result', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>((items) => {
      batches.push(items);
      return Promise.resolve(items.map((n) => ok(n * 10)));
    }, 100);
    const results = await Promise.all([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('never puts more than maxBatch items in a batch, and items submitted meanwhile go in the next', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => {
      batches.push(items);
      if (items[0] === 1) void batcher.submit(99);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return items.map(ok);
    }, 2);
    await Promise.all([1, 2, 3].map((n) => batcher.submit(n)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual([
      [1, 2],
      [3, 99],
    ]);
  });

  it('fails one item alone: its own error, the others keep their results', async () => {
    const batcher = new MicroBatcher<number, number>(
      (items) =>
        Promise.resolve(
          items.map((n): Settled<number> =>
            n === 2 ? { ok: false, error: new Error('two') } : ok(n),
          ),
        ),
      10,
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('two'));
  });

  it('runs each item alone when a whole batch throws, so only the bad item fails', async () => {
    const calls: number[][] = [];
    const batcher = new MicroBatcher<number, number>((items) => {
      calls.push(items);
      if (items.includes(2)) return Promise.reject(new Error(`batch with 2 of ${items.length}`));
      return Promise.resolve(items.map(ok));
    }, 10);
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('batch with 2 of 1'));
    expect(calls).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('keeps working after a failed batch', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>((items) => {
      if (fail) return Promise.reject(new Error('down'));
      return Promise.resolve(items.map(ok));
    }, 10);
    await expect(batcher.submit(1)).rejects.toThrow('down');
    fail = false;
    await expect(batcher.submit(2)).resolves.toBe(2);
    expect(batcher.pending).toBe(0);
  });

  it('under load, lets a small batch wait for items arriving within the linger', async () => {
    const run = async (lingerMs: number): Promise<number[][]> => {
      const batches: number[][] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const batcher = new MicroBatcher<number, number>(
        async (items) => {
          batches.push(items);
          if (items[0] === 1) await gate;
          return items.map(ok);
        },
        10,
        lingerMs,
      );
      const first = batcher.submit(1);
      await new Promise((resolve) => setImmediate(resolve));
      const second = batcher.submit(2);
      release();
      await first;
      await new Promise((resolve) => setTimeout(resolve, 20));
      await Promise.all([second, batcher.submit(3)]);
      return batches;
    };
    expect(await run(0)).toEqual([[1], [2], [3]]);
    expect(await run(200)).toEqual([[1], [2, 3]]);
  });
});
