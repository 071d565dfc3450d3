import {
  InventorySnapshot,
  type PackageActivity,
  type RestartNeeded,
  type RunningJvm,
} from '@log4fleet/contracts';
import { parseJsonArray, toJson } from '../common/json-column';
import type { InventoryChange } from './inventory-diff';
import { findingPath, summarize } from './inventory-diff';
import { InventorySnapshotEntity } from './inventory-snapshot.entity';
import type {
  HostProcessesDto,
  InventoryChangeDto,
  InventoryHostDto,
  InventorySnapshotDto,
  InventorySnapshotSummaryDto,
  InventoryView,
  PackageActivityView,
  RunningJvmView,
} from './inventory.dto';

const isoOfMs = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);

export function parseSnapshot(text: string): InventorySnapshot {
  return InventorySnapshot.fromJSON(JSON.parse(text));
}

export interface NewSnapshot {
  id: string;
  hostId: string;
  /** The host's name as the controller knows it. */
  hostname: string;
  agentId: string;
  collectedAtMs: number;
  snapshot: InventorySnapshot;
  privilegedAdded: boolean;
  changes: number;
}

export function toSnapshotEntity(s: NewSnapshot, receivedAt: Date): InventorySnapshotEntity {
  const summary = summarize(s.snapshot);
  const entity = new InventorySnapshotEntity();
  Object.assign(entity, {
    id: s.id,
    hostId: s.hostId,
    agentId: s.agentId,
    collectedAtMs: s.collectedAtMs,
    collectedAt: new Date(s.collectedAtMs),
    receivedAt,
    snapshot: JSON.stringify(InventorySnapshot.toJSON(s.snapshot)),
    hostname: s.hostname,
    osName: s.snapshot.os?.name ?? '',
    osVersion: s.snapshot.os?.version ?? '',
    runningVulnerableJvm: summary.runningVulnerableJvm,
    restartNeeded: summary.restartNeeded,
    privilegedAccounts: toJson(summary.privilegedAccounts),
    privilegedAdded: s.privilegedAdded,
    lastUpdateAt: summary.lastUpdateAtMs > 0 ? new Date(summary.lastUpdateAtMs) : null,
    changes: s.changes,
  });
  return entity;
}

export function toSummaryDto(e: InventorySnapshotEntity): InventorySnapshotSummaryDto {
  return {
    id: e.id,
    hostId: e.hostId,
    agentId: e.agentId,
    collectedAt: e.collectedAt.toISOString(),
    receivedAt: e.receivedAt.toISOString(),
    hostname: e.hostname,
    osName: e.osName,
    osVersion: e.osVersion,
    runningVulnerableJvm: e.runningVulnerableJvm,
    restartNeeded: e.restartNeeded,
    privilegedAccounts: parseJsonArray(e.privilegedAccounts),
    lastUpdateAt: e.lastUpdateAt?.toISOString() ?? null,
    changes: e.changes,
  };
}

export function toInventoryHostDto(e: InventorySnapshotEntity): InventoryHostDto {
  return {
    hostId: e.hostId,
    hostname: e.hostname,
    snapshotId: e.id,
    collectedAt: e.collectedAt.toISOString(),
    osName: e.osName,
    osVersion: e.osVersion,
    runningVulnerableJvm: e.runningVulnerableJvm,
    restartNeeded: e.restartNeeded,
    privilegedAccounts: parseJsonArray(e.privilegedAccounts),
    lastUpdateAt: e.lastUpdateAt?.toISOString() ?? null,
  };
}

export function toSnapshotDto(e: InventorySnapshotEntity): InventorySnapshotDto {
  return { ...toSummaryDto(e), inventory: toInventoryView(parseSnapshot(e.snapshot)) };
}

export function toProcessesDto(e: InventorySnapshotEntity): HostProcessesDto {
  return {
    hostId: e.hostId,
    snapshotId: e.id,
    collectedAt: e.collectedAt.toISOString(),
    jvms: parseSnapshot(e.snapshot).jvms.map(toJvmView),
  };
}

export function toChangeDto(c: InventoryChange): InventoryChangeDto {
  return { kind: c.kind, summary: c.summary, details: c.details };
}

function activity(a: PackageActivity | undefined): PackageActivityView | null {
  return a ? { at: isoOfMs(a.atMs), file: a.file, detail: a.detail } : null;
}

export function toInventoryView(s: InventorySnapshot): InventoryView {
  const os = s.os;
  return {
    os: {
      name: os?.name ?? '',
      version: os?.version ?? '',
      prettyName: os?.prettyName ?? '',
      id: os?.id ?? '',
      kernel: os?.kernel ?? '',
      arch: os?.arch ?? '',
      hostname: os?.hostname ?? '',
      fqdn: os?.fqdn ?? '',
      machineId: os?.machineId ?? '',
      uptimeS: os?.uptimeS ?? 0,
    },
    network: {
      interfaces: (s.network?.interfaces ?? []).map((i) => ({
        name: i.name,
        addresses: i.addresses.map((a) => ({ ...a })),
      })),
      defaultRoutes: (s.network?.defaultRoutes ?? []).map((r) => ({ ...r })),
      listening: (s.network?.listening ?? []).map((p) => ({
        ...p,
        processes: p.processes.map((o) => ({ ...o })),
      })),
      connections: (s.network?.connections ?? []).map((c) => ({
        protocol: c.protocol,
        local: `${c.localAddress}:${c.localPort}`,
        remote: `${c.remoteAddress}:${c.remotePort}`,
        uid: c.uid,
        processes: c.processes.map((o) => ({ ...o })),
      })),
    },
    javaRuntimes: s.javaRuntimes.map((j) => ({ ...j, runningPids: [...j.runningPids] })),
    accounts: s.accounts.map((a) => ({
      name: a.name,
      uid: a.uid,
      shell: a.shell,
      canLogin: a.canLogin,
      privileged: a.privileged,
      privilegeReasons: a.privilegeReasons,
      lastLoginAt: isoOfMs(a.lastLoginMs),
      lastLoginFrom: a.lastLoginFrom,
      passwordState: a.passwordState,
      groups: a.groups,
    })),
    updates: {
      dpkg: activity(s.updates?.dpkg),
      apt: activity(s.updates?.apt),
      rpm: activity(s.updates?.rpm),
      lastUpdate: activity(s.updates?.lastUpdate),
      agentVersion: s.updates?.agentVersion ?? '',
      agentUpdatedAt: isoOfMs(s.updates?.agentUpdatedAtMs ?? 0),
    },
    jvms: s.jvms.map(toJvmView),
    packages: s.packages.map((p) => ({
      manager: p.manager,
      name: p.name,
      version: p.version,
      arch: p.arch,
      sourcePackage: p.sourcePackage || null,
    })),
    warnings: s.warnings.map((w) => ({
      file: w.file,
      line: w.line > 0 ? w.line : null,
      message: w.message,
    })),
  };
}

const copies = (r: RestartNeeded['running']) =>
  r.map((c) => ({ product: c.product, version: c.version, status: c.status, cves: c.cves }));

export function toJvmView(j: RunningJvm): RunningJvmView {
  return {
    pid: j.pid,
    uid: j.uid,
    user: j.user,
    comm: j.comm,
    cmdline: j.cmdline,
    main: j.main,
    mainClass: j.mainClass,
    jar: j.jar,
    classpath: j.classpath,
    javaVersion: j.javaVersion,
    javaHome: j.javaHome,
    containerId: j.containerId || null,
    containerRuntime: j.containerRuntime || null,
    startedAt: isoOfMs(j.startedAtMs),
    flags: j.flags.map((f) => ({ ...f })),
    indicators: j.indicators.map((i) => ({
      protocol: i.protocol,
      state: i.state,
      local: `${i.localAddress}:${i.localPort}`,
      remote: `${i.remoteAddress}:${i.remotePort}`,
      service: i.service,
      message: i.message,
    })),
    findings: j.findings.map((x) => ({
      path: findingPath(x.finding?.chain ?? []),
      product: x.finding?.product ?? '',
      version: x.finding?.version ?? '',
      versionExact: x.finding?.versionExact ?? false,
      status: x.finding?.status ?? 'unknown',
      cves: x.finding?.cves ?? [],
      evidence: x.finding?.evidence ?? [],
      sha256: x.finding?.sha256 ?? '',
      source: x.source,
      staleReason: x.staleReason || null,
    })),
    restartNeeded: j.restartNeeded.map((r) => ({
      path: r.path,
      reason: r.reason,
      detail: r.detail,
      running: copies(r.running),
      onDisk: copies(r.onDisk),
    })),
  };
}
