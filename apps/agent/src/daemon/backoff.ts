export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Random source in [0, 1); injectable so tests can pin the extremes. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000 };

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"): the n-th wait is U(0, min(max, initial * 2^n)). Full jitter spreads a fleet
 * that lost its controller at the same instant over the whole window instead of
 * synchronising its retries.
 */
export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {
    if (options.initialMs <= 0 || options.maxMs < options.initialMs) {
      throw new Error(
        `bad backoff bounds: initial ${options.initialMs} ms, max ${options.maxMs} ms`,
      );
    }
    this.random = options.random ?? Math.random;
  }

  /** The ceiling of the next wait, without consuming an attempt. */
  ceilingMs(): number {
    // 2^attempt overflows nothing: attempt stops growing once the ceiling reaches max.
    return Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.attempt);
  }

  /** The next wait in ms, and one more attempt counted. */
  nextDelayMs(): number {
    const ceiling = this.ceilingMs();
    if (ceiling < this.options.maxMs) this.attempt += 1;
    return Math.floor(this.random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** U(0, windowMs): the first wait after a connection that worked was lost. */
export function spreadDelayMs(windowMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.max(0, windowMs));
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
