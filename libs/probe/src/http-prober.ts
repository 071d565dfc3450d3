import http from 'node:http';
import https from 'node:https';
import {
  type CallbackPorts,
  payload,
  PROBE_FIELDS,
  PROBE_HEADERS,
  PROBE_QUERY_PARAMS,
  type TokenBook,
} from './payloads';
import type { FieldLocation, PayloadForm, ProbeTarget, TargetResult } from './types';

/** Response bytes read before the connection is dropped: we only need to know it answered. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface Budget {
  /** Requests left for the whole probe. */
  requests: number;
  /** Epoch ms after which no request starts. */
  deadline: number;
  signal?: AbortSignal;
}

export interface HttpProbeOptions {
  ports: CallbackPorts;
  book: TokenBook;
  forms: readonly PayloadForm[];
  /** Requests per second, for all targets together. */
  limiter: RateLimiter;
  requestTimeoutMs: number;
  budget: Budget;
}

/** Spaces request starts at least 1/rate seconds apart. */
export class RateLimiter {
  private next = 0;
  constructor(private readonly perSecond: number) {}

  async wait(signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await sleep(at - now, signal);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (or had aborted already). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

interface PlannedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** The three requests of one form: every header and query parameter, a form post, a JSON post. */
function planRequests(
  target: ProbeTarget,
  form: PayloadForm,
  opts: HttpProbeOptions,
): PlannedRequest[] {
  const mark = (location: FieldLocation, field: string): string =>
    payload(form, opts.ports, opts.book.place(target, location, field, form));
  const headers: Record<string, string> = {};
  for (const h of PROBE_HEADERS)
    headers[h] = h === 'Cookie' ? `session=${mark('header', h)}` : mark('header', h);
  const query = PROBE_QUERY_PARAMS.map((p) => `${p}=${encodeURIComponent(mark('query', p))}`).join(
    '&',
  );
  const formBody = PROBE_FIELDS.map((f) => `${f}=${encodeURIComponent(mark('form', f))}`).join('&');
  const json = JSON.stringify(Object.fromEntries(PROBE_FIELDS.map((f) => [f, mark('json', f)])));
  return [
    { method: 'GET', path: `/?${query}`, headers },
    {
      method: 'POST',
      path: '/',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: formBody,
    },
    { method: 'POST', path: '/', headers: { 'Content-Type': 'application/json' }, body: json },
  ];
}

type Scheme = 'http' | 'https';

/** Sends one request; resolves with the status once the response ended (or was cut at 64 KiB). */
function send(
  scheme: Scheme,
  target: ProbeTarget,
  req: PlannedRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = {
      host: target.address,
      port: target.port,
      method: req.method,
      path: req.path,
      headers:
        req.body === undefined
          ? req.headers
          : { ...req.headers, 'Content-Length': Buffer.byteLength(req.body) },
      agent: false as const,
      timeout: timeoutMs,
      signal,
      // Our own service on our own address: its certificate is not what we are testing.
      rejectUnauthorized: false,
    };
    const r = (scheme === 'http' ? http : https).request(options, (res) => {
      let seen = 0;
      res.on('data', (d: Buffer) => {
        seen += d.length;
        if (seen > MAX_RESPONSE_BYTES) res.destroy();
      });
      res.on('close', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(res.statusCode ?? 0));
    });
    r.on('timeout', () => r.destroy(new Error(`no response within ${timeoutMs} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

const errText = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? err);
};

function budgetLeft(b: Budget): string | undefined {
  if (b.signal?.aborted) return 'probe cancelled';
  if (b.requests <= 0) return 'request budget spent';
  if (Date.now() >= b.deadline) return 'time budget spent';
  return undefined;
}

/**
 * Sends the marked strings of every form to one target, over HTTP, else HTTPS when the first
 * request shows the port speaks TLS. Stops early when the budget runs out.
 */
export async function probeHttpTarget(
  target: ProbeTarget,
  opts: HttpProbeOptions,
): Promise<TargetResult> {
  const result: TargetResult = { target, outcome: 'probed', requests: 0, tokens: 0 };
  const before = opts.book.size;
  let scheme: Scheme | undefined;
  let failures = 0;
  outer: for (const form of opts.forms) {
    for (const req of planRequests(target, form, opts)) {
      const stop = budgetLeft(opts.budget);
      if (stop) {
        result.outcome = 'partial';
        result.error = stop;
        break outer;
      }
      await opts.limiter.wait(opts.budget.signal);
      opts.budget.requests--;
      result.requests++;
      try {
        if (scheme) {
          await send(scheme, target, req, opts.requestTimeoutMs, opts.budget.signal);
          continue;
        }
        scheme = await detect(target, req, opts);
      } catch (err) {
        if (!scheme) {
          const refused = (err as NodeJS.ErrnoException).code === 'ECONNREFUSED';
          result.outcome = refused ? 'unreachable' : 'not-http';
          result.error = errText(err);
          break outer;
        }
        failures++;
        result.outcome = 'partial';
        result.error = `${failures} request(s) without a response, last: ${errText(err)}`;
      }
    }
  }
  result.scheme = scheme;
  result.tokens = opts.book.size - before;
  return result;
}

/** The first request: plain HTTP, and if that gets no HTTP answer, the same over TLS. */
async function detect(
  target: ProbeTarget,
  req: PlannedRequest,
  opts: HttpProbeOptions,
): Promise<Scheme> {
  try {
    await send('http', target, req, opts.requestTimeoutMs, opts.budget.signal);
    return 'http';
  } catch (httpErr) {
    if ((httpErr as NodeJS.ErrnoException).code === 'ECONNREFUSED') throw httpErr;
    try {
      await send('https', target, req, opts.requestTimeoutMs, opts.budget.signal);
      return 'https';
    } catch (tlsErr) {
      throw new Error(
        `no HTTP answer (${errText(httpErr)}) and no HTTPS answer (${errText(tlsErr)})`,
      );
    }
  }
}
