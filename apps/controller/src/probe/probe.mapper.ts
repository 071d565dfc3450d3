import type { HostProbeRecord } from './probe-rules';
import type { ProbeFindingEntity, ProbeRunEntity } from './probe-run.entity';
import type {
  HostProbeStateDto,
  ProbeFindingDto,
  ProbeRunDto,
  ProbeTargetResultDto,
} from './probe.dto';

const list = <T>(text: string): T[] => {
  const v = JSON.parse(text) as unknown;
  return Array.isArray(v) ? (v as T[]) : [];
};

/** A stored target result (ProbeTargetResult.toJSON: defaults left out) with every field set. */
function toTargetDto(t: Partial<ProbeTargetResultDto>): ProbeTargetResultDto {
  return {
    address: t.address ?? '',
    port: t.port ?? 0,
    processes: (t.processes ?? []).map((p) => ({ pid: p.pid ?? 0, comm: p.comm ?? '' })),
    outcome: t.outcome ?? '',
    scheme: t.scheme ?? '',
    requests: t.requests ?? 0,
    tokens: t.tokens ?? 0,
    error: t.error ?? '',
  };
}

export function toProbeFindingDto(f: ProbeFindingEntity): ProbeFindingDto {
  return {
    address: f.address,
    port: f.port,
    location: f.location,
    field: f.field,
    form: f.form,
    protocol: f.protocol,
    token: f.token,
    callbackAt: f.callbackAt,
    pid: f.pid,
    comm: f.comm,
    message: f.message,
  };
}

export function toProbeRunDto(run: ProbeRunEntity, findings: ProbeFindingEntity[]): ProbeRunDto {
  return {
    commandId: run.commandId,
    hostId: run.hostId,
    verdict: run.verdict,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    completedAt: run.completedAt?.toISOString() ?? null,
    requests: run.requests,
    targets: list<Partial<ProbeTargetResultDto>>(run.targets).map(toTargetDto),
    findings: findings.map(toProbeFindingDto),
    errors: list<string>(run.errors),
    unmatched: list<object>(run.unmatched),
  };
}

export function toHostProbeStateDto(r: HostProbeRecord & { updatedAt: string }): HostProbeStateDto {
  return {
    exploitable: r.exploitable,
    lastVerdict: r.lastVerdict,
    lastCommandId: r.lastCommandId,
    exploitableCommandId: r.exploitableCommandId,
    exploitableSince: r.exploitableSince,
    evidence: r.evidence,
    confirmedCleanCommandId: r.confirmedCleanCommandId,
    confirmedCleanAt: r.confirmedCleanAt,
    updatedAt: r.updatedAt,
  };
}
