import { startDnsResponder } from './dns-responder';
import { probeHttpTarget, RateLimiter, sleep, type Budget } from './http-prober';
import { startLdapResponder, type Responder } from './ldap-responder';
import { TokenBook } from './payloads';
import { findJvmListeners, isOwnAddress, socketProcess } from './targets';
import {
  type Callback,
  PAYLOAD_FORMS,
  type PayloadForm,
  type ProbeFinding,
  type ProbeReport,
  type ProbeTarget,
  type TargetResult,
} from './types';

/** Bounds of one probe run; the defaults are what `log4fleet-agent probe` uses. */
export const PROBE_DEFAULTS = {
  ratePerSecond: 20,
  // A vulnerable service answers after its lookup: a cold JVM under load takes seconds for the first.
  requestTimeoutMs: 10_000,
  timeBudgetMs: 120_000,
  maxRequests: 1000,
  maxTargets: 64,
  /** How long callbacks are awaited after the last request (async appenders log late). */
  graceMs: 2000,
} as const;

export interface RequestedTarget {
  port: number;
  /** An own address to send to; default: where the listener is reached from this host. */
  address?: string;
}

export interface ProbeOptions {
  /** Ports (and optionally addresses) to probe, among the JVM listeners; default: all of them. */
  targets?: RequestedTarget[];
  forms?: readonly PayloadForm[];
  ratePerSecond?: number;
  requestTimeoutMs?: number;
  timeBudgetMs?: number;
  maxRequests?: number;
  maxTargets?: number;
  graceMs?: number;
  signal?: AbortSignal;
  /** Where /proc is (default "/proc"). */
  procRoot?: string;
  /** JVM listeners as already known (tests, or a caller that listed them); default: read /proc. */
  listeners?: ProbeTarget[];
  /** Called as each target is done. */
  onTarget?: (r: TargetResult) => void;
}

/** Ports must name a JVM listener; addresses must be this host's own. Throws on a foreign address. */
export function selectTargets(
  listeners: ProbeTarget[],
  requested: RequestedTarget[] | undefined,
  errors: string[],
): ProbeTarget[] {
  if (!requested || requested.length === 0) return listeners;
  const out: ProbeTarget[] = [];
  for (const r of requested) {
    if (r.address !== undefined && !isOwnAddress(r.address))
      throw new Error(`probe target ${r.address}:${r.port} is not an address of this host`);
    const listener = listeners.find((l) => l.port === r.port);
    if (!listener) {
      errors.push(`port ${r.port}: no JVM listens on it here; not probed`);
      continue;
    }
    const wildcard = ['0.0.0.0', '::'].includes(listener.bound);
    if (r.address !== undefined && !wildcard && r.address !== listener.address) {
      errors.push(
        `port ${r.port}: the JVM listens on ${listener.bound}, not on ${r.address}; not probed`,
      );
      continue;
    }
    out.push({ ...listener, address: r.address ?? listener.address });
  }
  return out;
}

function describeFinding(f: Omit<ProbeFinding, 'message'>): string {
  const who = f.process
    ? ` from pid ${f.process.pid}${f.process.comm ? ` (${f.process.comm})` : ''}`
    : '';
  return `port ${f.target.port} looks up what users send: the ${f.location} ${f.field} (${f.form} form) made a JNDI ${f.protocol.toUpperCase()} callback${who}`;
}

/**
 * The canary probe: listens on loopback for LDAP and DNS callbacks, sends marked lookup strings
 * to the HTTP listeners of this host's JVMs (only to its own addresses), waits for late
 * callbacks, and reports which field of which port made a JVM perform a JNDI lookup. Nothing
 * leaves the host; the responders answer every lookup with an error, so nothing is loaded.
 */
export async function runProbe(opts: ProbeOptions = {}): Promise<ProbeReport> {
  const startedAt = new Date().toISOString();
  const errors: string[] = [];
  const listeners = opts.listeners ?? (await findJvmListeners({ procRoot: opts.procRoot }));
  let targets = selectTargets(listeners, opts.targets, errors);
  const maxTargets = opts.maxTargets ?? PROBE_DEFAULTS.maxTargets;
  if (targets.length > maxTargets) {
    errors.push(`${targets.length} JVM listeners; only the first ${maxTargets} were probed`);
    targets = targets.slice(0, maxTargets);
  }

  const candidates = [
    ...new Map(targets.flatMap((t) => t.processes).map((p) => [p.pid, p])).values(),
  ];
  const callbacks: Callback[] = [];
  const responderOpts = {
    onCallback: (cb: Callback) => callbacks.length < 10_000 && callbacks.push(cb),
    identify: (peer: { address: string; port: number }, transport: 'tcp' | 'udp') =>
      socketProcess(peer, transport, opts.procRoot, candidates),
  };
  const responders: Responder[] = [];
  const report = (r: TargetResult[], ldap: Responder, dns: Responder): ProbeReport => {
    const findings = new Map<string, ProbeFinding>();
    const unmatched: Callback[] = [];
    for (const cb of callbacks) {
      const placed = book.find(cb.token);
      if (!placed) {
        unmatched.push(cb);
        continue;
      }
      if (findings.has(placed.token)) continue;
      const f = { ...placed, protocol: cb.protocol, at: cb.at, process: cb.process };
      findings.set(placed.token, { ...f, message: describeFinding(f) });
    }
    return {
      startedAt,
      finishedAt: new Date().toISOString(),
      responders: {
        ldap: { address: ldap.host, port: ldap.port },
        dns: { address: dns.host, port: dns.port },
      },
      targets: r,
      findings: [...findings.values()],
      unmatched,
      errors,
    };
  };
  const book = new TokenBook();
  try {
    const ldap = await startLdapResponder(responderOpts);
    responders.push(ldap);
    const dns = await startDnsResponder(responderOpts);
    responders.push(dns);
    const budget: Budget = {
      requests: opts.maxRequests ?? PROBE_DEFAULTS.maxRequests,
      deadline: Date.now() + (opts.timeBudgetMs ?? PROBE_DEFAULTS.timeBudgetMs),
      signal: opts.signal,
    };
    const limiter = new RateLimiter(opts.ratePerSecond ?? PROBE_DEFAULTS.ratePerSecond);
    const results: TargetResult[] = [];
    for (const target of targets) {
      const r = await probeHttpTarget(target, {
        ports: { host: ldap.host, ldap: ldap.port, dns: dns.port },
        book,
        forms: opts.forms ?? PAYLOAD_FORMS,
        limiter,
        requestTimeoutMs: opts.requestTimeoutMs ?? PROBE_DEFAULTS.requestTimeoutMs,
        budget,
      });
      results.push(r);
      opts.onTarget?.(r);
    }
    if (results.some((r) => r.requests > 0))
      await sleep(opts.graceMs ?? PROBE_DEFAULTS.graceMs, opts.signal);
    return report(results, ldap, dns);
  } finally {
    await Promise.all(responders.map((r) => r.close()));
  }
}
