import { parseJsonArray } from '../common/json-column';
import { HostEntity } from './host.entity';
import { HostDto } from './hosts.dto';

export function toHostDto(host: HostEntity): HostDto {
  return {
    id: host.id,
    hostname: host.hostname,
    fqdn: host.fqdn,
    machineId: host.machineId,
    osName: host.osName,
    osVersion: host.osVersion,
    kernel: host.kernel,
    arch: host.arch,
    addresses: parseJsonArray(host.addresses),
    tags: parseJsonArray(host.tags),
    status: host.status,
    flagged: host.flagged,
    flagReason: host.flagReason,
    lastSeenAt: host.lastSeenAt?.toISOString() ?? null,
    lastScanAt: host.lastScanAt?.toISOString() ?? null,
    lastScanRunId: host.lastScanRunId,
    createdAt: host.createdAt.toISOString(),
    containment: host.containment
      ? {
          state: host.containment,
          mode: host.containmentMode,
          commandId: host.containmentCommandId,
          changedAt: host.containmentChangedAt?.toISOString() ?? null,
          detail: parseDetail(host.containmentDetail),
        }
      : null,
  };
}

function parseDetail(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
