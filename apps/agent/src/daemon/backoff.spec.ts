import { Backoff, spreadDelayMs } from './backoff';

describe('Backoff (full jitter)', () => {
  it('never waits longer than initial * 2^n, capped at max', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0.999999 });
    const delays = Array.from({ length: 10 }, () => backoff.nextDelayMs());
    expect(delays).toEqual([999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999, 29_999, 29_999]);
  });

  it('may retry immediately (the low end of the jitter is 0)', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0 });
    expect([backoff.nextDelayMs(), backoff.nextDelayMs()]).toEqual([0, 0]);
  });

  it('starts over from the initial ceiling after reset', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0.5 });
    for (let i = 0; i < 8; i += 1) backoff.nextDelayMs();
    backoff.reset();
    expect(backoff.nextDelayMs()).toBe(500);
  });

  it('stays within bounds with the real random source', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
    for (let i = 0; i < 200; i += 1) {
      const ceiling = backoff.ceilingMs();
      const delay = backoff.nextDelayMs();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling);
      expect(ceiling).toBeLessThanOrEqual(30_000);
    }
  });

  it('refuses bounds that make no sense', () => {
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 })).toThrow(/bad backoff bounds/);
    expect(() => new Backoff({ initialMs: 100, maxMs: 10 })).toThrow(/bad backoff bounds/);
  });
});

describe('spreadDelayMs', () => {
  it('is U(0, W)', () => {
    expect(spreadDelayMs(10_000, () => 0)).toBe(0);
    expect(spreadDelayMs(10_000, () => 0.999999)).toBe(9999);
    expect(spreadDelayMs(0, () => 0.5)).toBe(0);
  });
});
