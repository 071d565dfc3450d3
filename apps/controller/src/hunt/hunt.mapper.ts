import type { CallbackHostDto, HuntHitDto, HuntRunDto } from './hunt.dto';
import type { CallbackHostRow, HuntHitRow, HuntRunRow } from './hunt-hits.repository';

function jsonArray<T>(text: string): T[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

export function toHuntHitDto(r: HuntHitRow): HuntHitDto {
  return {
    id: r.id,
    hostId: r.host_id,
    commandId: r.command_id,
    kind: r.kind,
    confidence: r.confidence,
    file: r.file,
    line: Number(r.line),
    timestamp: r.line_at,
    raw: r.raw,
    rawTruncated: Boolean(r.raw_truncated),
    decoded: r.decoded,
    target:
      r.protocol !== null || r.target_host !== null
        ? {
            protocol: r.protocol ?? '',
            host: r.target_host ?? '',
            port: r.port === null ? null : Number(r.port),
            path: r.target_path ?? '',
            callbackHost: r.callback_host ?? '',
            bypass: r.bypass,
          }
        : null,
    exfiltrates: jsonArray(r.exfiltrates),
    trace: r.trace,
    obfuscation: jsonArray(r.obfuscation),
    cves: jsonArray(r.cves),
    indicatorType: r.indicator_type,
    indicatorValue: r.indicator_value,
    message: r.message,
    createdAt: r.created_at,
  };
}

export function toCallbackHostDto(r: CallbackHostRow): CallbackHostDto {
  return {
    callbackHost: r.callback_host,
    hosts: Number(r.hosts),
    hits: Number(r.hits),
    protocols: r.protocols ? r.protocols.split(',') : [],
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  };
}

export function toHuntRunDto(r: HuntRunRow): HuntRunDto {
  let summary: Record<string, unknown> | null = null;
  try {
    summary = r.summary ? (JSON.parse(r.summary) as Record<string, unknown>) : null;
  } catch {
    summary = null;
  }
  return {
    commandId: r.command_id,
    hostId: r.host_id,
    summary,
    errors: jsonArray(r.errors),
    hits: Number(r.hits),
    completedAt: r.completed_at,
    createdAt: r.created_at,
  };
}
