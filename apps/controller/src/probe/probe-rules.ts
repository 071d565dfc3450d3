/**
 * What a probe means for its host (issue 18), as pure functions: the verdict of one probe, and
 * the host-level record the probes keep. The host's status follows from it by the host state
 * rule (hosts/host-state.ts: the probe-callback and probe-clean events, probe-results.ts).
 */

export type ProbeVerdict = 'exploitable' | 'no-callback' | 'inconclusive';

export interface ProbeOutcome {
  findings: number;
  targets: ReadonlyArray<{ port: number; outcome: string }>;
  errors: readonly string[];
}

/**
 * exploitable: a callback, whatever else happened. no-callback: every listener asked for was
 * probed in full over HTTP(S) and none looked anything up. inconclusive: nothing HTTP to probe,
 * or part of it not probed (unreachable, unanswered requests, the budget spent, a port no JVM
 * listens on): no callback proves nothing there.
 */
export function probeVerdict(p: ProbeOutcome): ProbeVerdict {
  if (p.findings > 0) return 'exploitable';
  if (p.errors.length > 0) return 'inconclusive';
  if (p.targets.some((t) => t.outcome === 'partial' || t.outcome === 'unreachable'))
    return 'inconclusive';
  return p.targets.some((t) => t.outcome === 'probed') ? 'no-callback' : 'inconclusive';
}

/** One service field that performed a lookup, and how. */
export interface ProbeEvidence {
  address: string;
  port: number;
  location: string;
  field: string;
  form: string;
  protocol: string;
  pid: number | null;
  comm: string;
}

export interface HostProbeRecord {
  exploitable: boolean;
  lastVerdict: ProbeVerdict;
  lastCommandId: string;
  lastCommandCreatedAt: string;
  exploitableCommandId: string | null;
  exploitableSince: string | null;
  evidence: ProbeEvidence[];
  confirmedCleanCommandId: string | null;
  confirmedCleanAt: string | null;
}

export interface CompletedProbe {
  commandId: string;
  /** The command's creation: probes of a host are applied in this order. */
  commandCreatedAt: string;
  verdict: ProbeVerdict;
  evidence: ProbeEvidence[];
  /** Ports whose listener was probed in full (outcome "probed"). */
  probedPorts: readonly number[];
  completedAt: string;
}

/** Evidence kept per host: one entry per port, location, field and form, at most this many. */
export const MAX_EVIDENCE = 200;

export function distinctEvidence(items: readonly ProbeEvidence[]): ProbeEvidence[] {
  const seen = new Map<string, ProbeEvidence>();
  for (const e of items) {
    const key = `${e.port}\u0000${e.location}\u0000${e.field}\u0000${e.form}`;
    if (!seen.has(key)) seen.set(key, e);
  }
  return [...seen.values()].slice(0, MAX_EVIDENCE);
}

/**
 * The host's record after a probe completed, or null when the probe changes nothing (an older
 * command finishing after a newer one). A callback makes the host exploitable, whatever the
 * file scan said. A probe with no callback clears it only when it probed every port of the
 * evidence in full (a probe of another port proves nothing about that one), and is then the
 * second method's confirmation. An inconclusive probe is recorded as the last, nothing more.
 */
export function nextHostProbeRecord(
  current: HostProbeRecord | null,
  probe: CompletedProbe,
): HostProbeRecord | null {
  if (current && probe.commandCreatedAt < current.lastCommandCreatedAt) return null;
  const base: HostProbeRecord = current ?? {
    exploitable: false,
    lastVerdict: probe.verdict,
    lastCommandId: probe.commandId,
    lastCommandCreatedAt: probe.commandCreatedAt,
    exploitableCommandId: null,
    exploitableSince: null,
    evidence: [],
    confirmedCleanCommandId: null,
    confirmedCleanAt: null,
  };
  const next: HostProbeRecord = {
    ...base,
    lastVerdict: probe.verdict,
    lastCommandId: probe.commandId,
    lastCommandCreatedAt: probe.commandCreatedAt,
  };
  switch (probe.verdict) {
    case 'exploitable':
      return {
        ...next,
        exploitable: true,
        exploitableCommandId: probe.commandId,
        exploitableSince: base.exploitable ? base.exploitableSince : probe.completedAt,
        evidence: distinctEvidence(probe.evidence),
        confirmedCleanCommandId: null,
        confirmedCleanAt: null,
      };
    case 'no-callback': {
      const covered = base.evidence.every((e) => probe.probedPorts.includes(e.port));
      if (base.exploitable && !covered) return next;
      return {
        ...next,
        exploitable: false,
        exploitableCommandId: null,
        exploitableSince: null,
        evidence: [],
        confirmedCleanCommandId: probe.commandId,
        confirmedCleanAt: probe.completedAt,
      };
    }
    case 'inconclusive':
      return next;
  }
}

const isLoopback = (a: string): boolean => a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);

/**
 * The targets a probe of this host must not have: an address that is neither loopback nor one
 * the host's agent reported (an empty address is the listener's own, found by the agent).
 */
export function foreignTargets<T extends { address: string }>(
  targets: readonly T[],
  hostAddresses: readonly string[],
): T[] {
  const own = new Set(hostAddresses.map((a) => a.replace(/%.*$/, '').replace(/\/\d+$/, '')));
  return targets.filter((t) => t.address !== '' && !isLoopback(t.address) && !own.has(t.address));
}
