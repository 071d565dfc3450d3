import type {
  Connection as ConnectionMessage,
  ConnectionIndicator as IndicatorMessage,
  CopySummary as CopySummaryMessage,
  InstalledPackage as PackageMessage,
  InventorySnapshot,
  JvmFinding,
  ListeningPort,
  MitigationFlag as FlagMessage,
  PackageActivity as PackageActivityMessage,
  RestartNeeded as RestartNeededMessage,
  RunningJvm,
  UserAccount as UserAccountMessage,
} from '@log4fleet/contracts';
import { INVENTORY_LIMITS, PROTOCOL_LIMITS } from '@log4fleet/contracts';
import type {
  EstablishedConnection,
  InstalledPackage,
  Inventory,
  ListeningSocket,
  PackageActivity,
  UserAccount,
} from '@log4fleet/inventory';
import type {
  ConnectionIndicator,
  CopySummary,
  JvmProcess,
  JvmReport,
  MitigationFlag,
  ProcessFinding,
  RestartNeeded,
} from '@log4fleet/jvm-probe';
import { toFindingMessage, truncateUtf8 } from '../daemon/scan-mapping';

/** The limits written in inventory.proto (libs/contracts); the controller refuses a snapshot over them. */
export { INVENTORY_LIMITS };

const L = INVENTORY_LIMITS;

const msOf = (iso: string | undefined): number => {
  if (!iso) return 0;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
};
const short = (s: string | undefined): string => truncateUtf8(s ?? '', L.shortBytes);
const name = (s: string | undefined): string => truncateUtf8(s ?? '', L.nameBytes);
const message = (s: string | undefined): string => truncateUtf8(s ?? '', L.messageBytes);
const path = (s: string | undefined): string => truncateUtf8(s ?? '', L.pathBytes);
const list = (items: string[], max: number, maxBytes: number): string[] =>
  items.slice(0, max).map((s) => truncateUtf8(s, maxBytes));

/** collectInventory() + probeJvms() -> the proto snapshot, cut to the limits of inventory.proto. */
export function toInventorySnapshot(inv: Inventory, jvms: JvmReport): InventorySnapshot {
  return {
    os: {
      name: name(inv.os.name),
      version: name(inv.os.versionId ?? inv.os.version),
      kernel: name(inv.os.kernel),
      arch: short(inv.os.arch),
      hostname: name(inv.os.hostname),
      fqdn: name(inv.os.fqdn),
      machineId: short(inv.os.machineId),
      uptimeS: Math.max(0, Math.floor(inv.os.uptimeSeconds ?? 0)),
      prettyName: name(inv.os.prettyName),
      id: short(inv.os.id),
    },
    network: {
      interfaces: inv.network.interfaces.slice(0, L.interfaces).map((i) => ({
        name: short(i.name),
        addresses: i.addresses.slice(0, L.addressesPerInterface).map((a) => ({
          address: short(a.address),
          family: a.family,
          cidr: short(a.cidr ?? ''),
          mac: truncateUtf8(a.mac, 32),
          internal: a.internal,
        })),
      })),
      defaultRoutes: inv.network.defaultRoutes.slice(0, L.defaultRoutes).map((r) => ({
        iface: short(r.iface),
        gateway: short(r.gateway),
        metric: Math.max(0, r.metric),
      })),
      listening: inv.network.listening.slice(0, L.listening).map(toListeningPort),
      connections: inv.network.connections.slice(0, L.connections).map(toConnection),
    },
    javaRuntimes: inv.java.slice(0, L.javaRuntimes).map((j) => ({
      home: path(j.home),
      vendor: name(j.vendor),
      version: short(j.version),
      runningPids: j.runningPids.slice(0, L.runningPids),
    })),
    accounts: inv.users.accounts.slice(0, L.accounts).map(toAccount),
    updates: {
      dpkg: toActivity(inv.updates.dpkg),
      apt: toActivity(inv.updates.apt),
      rpm: toActivity(inv.updates.rpm),
      lastUpdate: toActivity(inv.updates.lastUpdate),
      agentVersion: short(inv.updates.agent?.version),
      agentUpdatedAtMs: msOf(inv.updates.agent?.updatedAt),
    },
    jvms: toRunningJvms(jvms),
    packages: inv.packages.slice(0, L.packages).map(toPackage),
    warnings: [
      ...inv.warnings.map((w) => ({
        file: path(w.file),
        line: w.line ?? 0,
        message: message(w.message),
      })),
      ...jvms.errors.map((e) => ({
        file: path(e.path),
        line: 0,
        message: message(`${e.code}${e.pid ? ` (pid ${e.pid})` : ''}: ${e.message}`),
      })),
    ].slice(0, L.warnings),
  };
}

function toListeningPort(s: ListeningSocket): ListeningPort {
  return {
    protocol: s.protocol,
    address: short(s.address),
    port: s.port,
    uid: s.uid,
    processes: s.processes
      .slice(0, L.processesPerPort)
      .map((p) => ({ pid: p.pid, comm: short(p.comm), uid: p.uid ?? s.uid, user: short(p.user) })),
  };
}

function toConnection(c: EstablishedConnection): ConnectionMessage {
  return {
    protocol: c.protocol,
    localAddress: short(c.local.address),
    localPort: c.local.port,
    remoteAddress: short(c.remote.address),
    remotePort: c.remote.port,
    uid: c.uid,
    processes: c.processes
      .slice(0, L.processesPerPort)
      .map((p) => ({ pid: p.pid, comm: short(p.comm), uid: p.uid ?? c.uid, user: short(p.user) })),
  };
}

function toPackage(p: InstalledPackage): PackageMessage {
  return {
    manager: p.manager,
    name: name(p.name),
    version: name(p.version),
    arch: short(p.arch),
    sourcePackage: name(p.sourcePackage),
  };
}

function toAccount(a: UserAccount): UserAccountMessage {
  return {
    name: short(a.name),
    uid: a.uid,
    shell: path(a.shell),
    canLogin: a.canLogin,
    privileged: a.privileged,
    privilegeReasons: list(a.privilegeReasons, L.privilegeReasons, L.reasonBytes),
    lastLoginMs: msOf(a.lastLogin?.at),
    lastLoginFrom: name(a.lastLogin?.host ?? a.lastLogin?.line),
    passwordState: a.passwordState,
    groups: list(a.groups, L.groups, L.shortBytes),
  };
}

function toActivity(p: PackageActivity | undefined): PackageActivityMessage | undefined {
  if (!p) return undefined;
  return { atMs: msOf(p.at), file: path(p.file), detail: message(p.detail) };
}

/** Groups the probe's flat lists (findings, flags, ...) under the JVM they belong to. */
function toRunningJvms(report: JvmReport): RunningJvm[] {
  const byPid = <T extends { process: { pid: number } }>(items: T[]): Map<number, T[]> => {
    const map = new Map<number, T[]>();
    for (const item of items)
      map.set(item.process.pid, [...(map.get(item.process.pid) ?? []), item]);
    return map;
  };
  const findings = byPid(report.findings);
  const flags = byPid(report.flags);
  const indicators = byPid(report.indicators);
  const restarts = byPid(report.restartNeeded);
  return report.processes.slice(0, L.jvms).map((p) =>
    toRunningJvm(p, {
      findings: findings.get(p.pid) ?? [],
      flags: flags.get(p.pid) ?? [],
      indicators: indicators.get(p.pid) ?? [],
      restarts: restarts.get(p.pid) ?? [],
    }),
  );
}

interface JvmParts {
  findings: ProcessFinding[];
  flags: MitigationFlag[];
  indicators: ConnectionIndicator[];
  restarts: RestartNeeded[];
}

function toRunningJvm(p: JvmProcess, parts: JvmParts): RunningJvm {
  return {
    pid: p.pid,
    uid: p.uid ?? 0,
    user: short(p.user),
    comm: short(p.comm),
    cmdline: list(p.cmdline, L.cmdline, L.pathBytes),
    main: message(p.main),
    mainClass: message(p.mainClass),
    jar: path(p.jar),
    classpath: list(p.classpath, L.classpath, L.pathBytes),
    javaVersion: short(p.java?.version),
    javaHome: path(p.java?.home),
    containerId: truncateUtf8(p.container?.id ?? '', L.containerIdBytes),
    containerRuntime: p.container?.runtime ?? '',
    startedAtMs: msOf(p.startedAt),
    flags: parts.flags.slice(0, L.flags).map(toFlag),
    indicators: parts.indicators.slice(0, L.indicators).map(toIndicator),
    findings: parts.findings.slice(0, L.findingsPerJvm).map(toJvmFinding),
    restartNeeded: parts.restarts.slice(0, L.restartNeededPerJvm).map(toRestartNeeded),
  };
}

function toFlag(f: MitigationFlag): FlagMessage {
  return {
    name: name(f.name),
    value: message(f.value),
    source: f.source,
    what: message(f.what),
    effect: f.effect,
    covers: list(f.covers, L.coverage, L.reasonBytes),
    doesNotCover: list(f.doesNotCover, L.coverage, L.reasonBytes),
    note: message(f.note),
  };
}

function toIndicator(i: ConnectionIndicator): IndicatorMessage {
  return {
    protocol: i.protocol,
    state: i.state,
    localAddress: short(i.local.address),
    localPort: i.local.port,
    remoteAddress: short(i.remote.address),
    remotePort: i.remote.port,
    service: i.service,
    message: message(i.message),
  };
}

function toJvmFinding(f: ProcessFinding): JvmFinding {
  return { finding: toFindingMessage(f), source: f.source, staleReason: f.stale?.reason ?? '' };
}

function toCopy(c: CopySummary): CopySummaryMessage {
  return {
    product: c.product,
    version: short(c.version),
    status: c.status,
    cves: c.cves.slice(0, L.cves).map((cve) => truncateUtf8(cve, PROTOCOL_LIMITS.cveBytes)),
  };
}

function toRestartNeeded(r: RestartNeeded): RestartNeededMessage {
  return {
    path: path(r.path),
    reason: r.reason,
    detail: message(r.detail),
    running: r.running.slice(0, L.copies).map(toCopy),
    onDisk: (r.onDisk ?? []).slice(0, L.copies).map(toCopy),
  };
}
