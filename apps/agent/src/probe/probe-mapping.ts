import {
  type KindResults,
  PROBE_LIMITS,
  PROTOCOL_LIMITS,
  type ProbeCommand,
  ProbeFinding as ProbeFindingMessage,
  type ProbeProcess,
  type ProbeResults,
  ProbeTargetResult as ProbeTargetResultMessage,
} from '@log4fleet/contracts';
import {
  type CallbackProcess,
  isOwnAddress,
  type ProbeOptions,
  type ProbeReport,
} from '@log4fleet/probe';
import { truncateUtf8 } from '../daemon/scan-mapping';

/** Throws an error naming the field when a probe command asks for what this agent refuses. */
export function checkProbeCommand(command: ProbeCommand): void {
  const over = (field: string, value: number, max: number): void => {
    if (value > max)
      throw new Error(`probe.${field} ${value} is out of range for this agent: at most ${max}`);
  };
  over('targets', command.targets.length, PROBE_LIMITS.targets);
  over('rate_per_second', command.ratePerSecond, PROBE_LIMITS.ratePerSecond);
  over('max_requests', command.maxRequests, PROBE_LIMITS.maxRequests);
  over('time_budget_seconds', command.timeBudgetSeconds, PROBE_LIMITS.timeBudgetSeconds);
  for (const [i, t] of command.targets.entries()) {
    if (t.port < 1 || t.port > 65535)
      throw new Error(`probe.targets[${i}].port ${t.port} is not a port (1-65535)`);
    if (Buffer.byteLength(t.address) > PROBE_LIMITS.addressBytes)
      throw new Error(`probe.targets[${i}].address is over ${PROBE_LIMITS.addressBytes} bytes`);
    // The agent never sends probes to another host, whatever a controller signed.
    if (t.address !== '' && !isOwnAddress(t.address))
      throw new Error(
        `probe.targets[${i}].address ${t.address} is not an address of this host: refused`,
      );
  }
}

/** The library's options for a command; 0 means the agent's default. */
export function toProbeOptions(command: ProbeCommand, signal: AbortSignal): ProbeOptions {
  return {
    targets: command.targets.map((t) => ({
      port: t.port,
      ...(t.address !== '' ? { address: t.address } : {}),
    })),
    ratePerSecond: command.ratePerSecond || PROBE_LIMITS.defaultRatePerSecond,
    maxRequests: command.maxRequests || PROBE_LIMITS.defaultMaxRequests,
    timeBudgetMs: (command.timeBudgetSeconds || PROBE_LIMITS.defaultTimeBudgetSeconds) * 1000,
    signal,
  };
}

const text = (s: string | undefined): string => truncateUtf8(s ?? '', PROBE_LIMITS.textBytes);
const processMessage = (p: CallbackProcess | undefined): ProbeProcess | undefined =>
  p && { pid: p.pid, comm: text(p.comm) };

// Encoded bytes a part may reach before another starts: under the chunk limit, with room for
// the tags and lengths of the items added last.
const PART_BUDGET = PROTOCOL_LIMITS.kindResultsBytes - 16 * 1024;

function emptyPart(): ProbeResults {
  return {
    targets: [],
    findings: [],
    unmatched: [],
    errors: [],
    startedAt: '',
    finishedAt: '',
    ldapPort: 0,
    dnsPort: 0,
  };
}

/**
 * The report as ProbeResults parts, each under PROTOCOL_LIMITS.kindResultsBytes: the first
 * carries the run's times, ports, errors and unmatched callbacks; targets and findings fill parts
 * in order.
 */
export function toProbeResultParts(report: ProbeReport): KindResults[] {
  const first: ProbeResults = {
    ...emptyPart(),
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    ldapPort: report.responders.ldap.port,
    dnsPort: report.responders.dns.port,
    errors: report.errors.slice(0, PROBE_LIMITS.errors).map(text),
    unmatched: report.unmatched.slice(0, PROBE_LIMITS.unmatched).map((c) => ({
      protocol: c.protocol,
      token: text(c.token),
      peerAddress: c.peer.address,
      peerPort: c.peer.port,
      at: c.at,
      process: processMessage(c.process),
    })),
  };
  const parts = [first];
  let size = first.errors.reduce((n, e) => n + e.length, 0) + first.unmatched.length * 600;
  const add = (bytes: number): ProbeResults => {
    if (size + bytes > PART_BUDGET) {
      parts.push(emptyPart());
      size = 0;
    }
    size += bytes + 8;
    return parts[parts.length - 1];
  };
  for (const t of report.targets) {
    const m = {
      address: t.target.address,
      port: t.target.port,
      processes: t.target.processes
        .slice(0, PROBE_LIMITS.processesPerTarget)
        .map((p) => processMessage(p) as ProbeProcess),
      outcome: t.outcome,
      scheme: t.scheme ?? '',
      requests: t.requests,
      tokens: t.tokens,
      error: text(t.error),
    };
    add(ProbeTargetResultMessage.encode(m).finish().length).targets.push(m);
  }
  for (const f of report.findings) {
    const m = {
      token: f.token,
      address: f.target.address,
      port: f.target.port,
      location: f.location,
      field: f.field,
      form: f.form,
      protocol: f.protocol,
      at: f.at,
      process: processMessage(f.process),
      message: text(f.message),
    };
    add(ProbeFindingMessage.encode(m).finish().length).findings.push(m);
  }
  return parts.map((value) => ({ kind: { $case: 'probe', value } }));
}
