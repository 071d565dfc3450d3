import dgram from 'node:dgram';
import net from 'node:net';
import { errorMessage } from './errors';
import type { CheckRecord, ProbeTarget } from './types';

/**
 * The caller's proof that the controller still answers (the agent: a round trip on its
 * channel). It must settle when `signal` aborts; the quarantine retries it until its deadline.
 */
export type ControllerCheck = (signal: AbortSignal) => Promise<string | void>;

const ATTEMPT_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 2_000;

/** A TCP handshake with any of the pinned controller addresses (the default check). */
export function tcpControllerCheck(addresses: readonly string[], port: number): ControllerCheck {
  return async (signal) => {
    const errors: string[] = [];
    for (const address of addresses) {
      const outcome = await tcpConnect(address, port, Math.min(ATTEMPT_TIMEOUT_MS, 30_000), signal);
      if (outcome.connected) return `tcp handshake with ${hostPort(address, port)}`;
      errors.push(`${hostPort(address, port)}: ${outcome.error}`);
    }
    throw new Error(errors.join('; '));
  };
}

/** Runs `check` until it succeeds or `deadlineMs` passes; never longer than the deadline. */
export async function proveController(
  check: ControllerCheck,
  deadlineMs: number,
): Promise<CheckRecord> {
  const started = Date.now();
  let attempts = 0;
  let lastError = 'no attempt finished';
  let pause = 200;
  for (;;) {
    const remaining = deadlineMs - (Date.now() - started);
    if (remaining <= 0) break;
    attempts++;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('deadline reached')), remaining);
    try {
      const detail = await Promise.race([check(controller.signal), aborted(controller.signal)]);
      return {
        name: 'controller',
        ok: true,
        ms: Date.now() - started,
        detail: `${detail || 'answered'} (attempt ${attempts})`,
      };
    } catch (err) {
      lastError = errorMessage(err);
    } finally {
      clearTimeout(timer);
    }
    await sleep(Math.min(pause, Math.max(0, deadlineMs - (Date.now() - started))));
    pause = Math.min(pause * 2, 2_000);
  }
  return {
    name: 'controller',
    ok: false,
    ms: Date.now() - started,
    detail: `the controller did not answer within ${deadlineMs} ms (${attempts} attempts; last: ${lastError})`,
  };
}

/** Proves `target` unreachable: a TCP handshake or refusal, or a UDP reply, means it is not. */
export async function probeUnreachable(target: ProbeTarget): Promise<CheckRecord> {
  const started = Date.now();
  const where = `${target.protocol} ${hostPort(target.address, target.port)}`;
  if (target.protocol === 'tcp') {
    const outcome = await tcpConnect(target.address, target.port, PROBE_TIMEOUT_MS);
    const reachable = outcome.connected || outcome.error === 'ECONNREFUSED';
    return {
      name: 'probe',
      ok: !reachable,
      ms: Date.now() - started,
      detail: reachable
        ? `${where} is reachable (${outcome.connected ? 'handshake completed' : 'refused: packets got through'})`
        : `${where} unreachable (${outcome.error})`,
    };
  }
  const answer = await udpAnswer(target.address, target.port, PROBE_TIMEOUT_MS);
  return {
    name: 'probe',
    ok: !answer.reachable,
    ms: Date.now() - started,
    detail: answer.reachable
      ? `${where} is reachable (${answer.detail})`
      : `${where} unreachable (${answer.detail})`,
  };
}

function tcpConnect(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ connected: true } | { connected: false; error: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: { connected: true } | { connected: false; error: string }): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => done({ connected: false, error: 'aborted' });
    const timer = setTimeout(
      () => done({ connected: false, error: `no answer in ${timeoutMs} ms` }),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done({ connected: true }));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({ connected: false, error: err.code ?? err.message }),
    );
  });
}

function udpAnswer(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ reachable: boolean; detail: string }> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const done = (reachable: boolean, detail: string): void => {
      clearTimeout(timer);
      socket.close();
      resolve({ reachable, detail });
    };
    const timer = setTimeout(() => done(false, `no answer in ${timeoutMs} ms`), timeoutMs);
    socket.once('message', () => done(true, 'it answered'));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      done(
        err.code === 'ECONNREFUSED',
        err.code === 'ECONNREFUSED'
          ? 'port unreachable came back: packets got through'
          : (err.code ?? err.message),
      );
    });
    socket.connect(port, host, () => {
      socket.send(DNS_QUERY, (err) => {
        if (err) done(false, (err as NodeJS.ErrnoException).code ?? err.message);
      });
    });
  });
}

/** A DNS query (A log4fleet-probe.invalid): a DNS server answers it, anything else may too. */
const DNS_QUERY = Buffer.from([
  0x4c,
  0x46,
  0x01,
  0x00,
  0x00,
  0x01,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x0f,
  ...Buffer.from('log4fleet-probe'),
  0x07,
  ...Buffer.from('invalid'),
  0x00,
  0x00,
  0x01,
  0x00,
  0x01,
]);

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener(
      'abort',
      () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')),
      { once: true },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function hostPort(address: string, port: number): string {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}
