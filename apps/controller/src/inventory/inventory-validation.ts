import type {
  CopySummary,
  Finding,
  InventorySnapshot,
  ReportInventoryRequest,
  RunningJvm,
} from '@log4fleet/contracts';
import { INVENTORY_LIMITS, PROTOCOL_LIMITS } from '@log4fleet/contracts';
import { DomainException } from '../common/domain.exception';

// The limits written in inventory.proto (libs/contracts); a snapshot over any of them is refused whole.
export { INVENTORY_LIMITS };

const L = INVENTORY_LIMITS;
// results.proto's Finding limits, which JvmFinding reuses.
const FINDING_LIMITS = PROTOCOL_LIMITS;
// Snapshots from before 2020 or more than a day ahead of the controller's clock are nonsense.
const MIN_COLLECTED_AT_MS = Date.UTC(2020, 0, 1);
const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

export interface ValidInventoryReport {
  snapshot: InventorySnapshot;
  collectedAtMs: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw DomainException.invalid(message);
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function text(value: string, field: string, max: number): void {
  check(bytes(value) <= max, `${field} is over ${max} bytes`);
}

function count(items: readonly unknown[], field: string, max: number): void {
  check(items.length <= max, `${field} has ${items.length} entries, at most ${max} allowed`);
}

function texts(items: readonly string[], field: string, max: number, maxBytes: number): void {
  count(items, field, max);
  items.forEach((s, i) => text(s, `${field}[${i}]`, maxBytes));
}

/** Checks a ReportInventory request against inventory.proto's limits; INVALID_ARGUMENT names the first problem. */
export function validateReportInventory(
  request: ReportInventoryRequest,
  nowMs = Date.now(),
): ValidInventoryReport {
  check(request.snapshot !== undefined, 'snapshot is required');
  check(
    request.collectedAtMs >= MIN_COLLECTED_AT_MS,
    `collected_at_ms ${request.collectedAtMs} is not a plausible Unix time in milliseconds`,
  );
  check(
    request.collectedAtMs <= nowMs + MAX_CLOCK_SKEW_MS,
    `collected_at_ms ${request.collectedAtMs} is more than a day in the future`,
  );
  const s = request.snapshot as InventorySnapshot;
  validateOs(s);
  validateNetwork(s);
  count(s.javaRuntimes, 'java_runtimes', L.javaRuntimes);
  s.javaRuntimes.forEach((j, i) => {
    text(j.home, `java_runtimes[${i}].home`, L.pathBytes);
    text(j.vendor, `java_runtimes[${i}].vendor`, L.nameBytes);
    text(j.version, `java_runtimes[${i}].version`, L.shortBytes);
    count(j.runningPids, `java_runtimes[${i}].running_pids`, L.runningPids);
  });
  count(s.accounts, 'accounts', L.accounts);
  s.accounts.forEach((a, i) => {
    const f = `accounts[${i}]`;
    check(a.name.length > 0, `${f}.name is required`);
    text(a.name, `${f}.name`, L.shortBytes);
    text(a.shell, `${f}.shell`, L.pathBytes);
    text(a.lastLoginFrom, `${f}.last_login_from`, L.nameBytes);
    text(a.passwordState, `${f}.password_state`, L.shortBytes);
    texts(a.privilegeReasons, `${f}.privilege_reasons`, L.privilegeReasons, L.reasonBytes);
    texts(a.groups, `${f}.groups`, L.groups, L.shortBytes);
  });
  validateUpdates(s);
  validatePackages(s);
  count(s.jvms, 'jvms', L.jvms);
  s.jvms.forEach((j, i) => validateJvm(j, `jvms[${i}]`));
  count(s.warnings, 'warnings', L.warnings);
  s.warnings.forEach((w, i) => {
    text(w.file, `warnings[${i}].file`, L.pathBytes);
    text(w.message, `warnings[${i}].message`, L.messageBytes);
  });
  return { snapshot: s, collectedAtMs: request.collectedAtMs };
}

function validateOs(s: InventorySnapshot): void {
  check(s.os !== undefined, 'snapshot.os is required');
  const os = s.os!;
  check(os.hostname.length > 0, 'os.hostname is required');
  for (const f of ['name', 'version', 'kernel', 'hostname', 'fqdn', 'prettyName'] as const)
    text(os[f], `os.${f}`, L.nameBytes);
  for (const f of ['arch', 'machineId', 'id'] as const) text(os[f], `os.${f}`, L.shortBytes);
}

function validateNetwork(s: InventorySnapshot): void {
  const n = s.network;
  if (!n) return;
  count(n.interfaces, 'network.interfaces', L.interfaces);
  n.interfaces.forEach((iface, i) => {
    text(iface.name, `network.interfaces[${i}].name`, L.shortBytes);
    count(iface.addresses, `network.interfaces[${i}].addresses`, L.addressesPerInterface);
    iface.addresses.forEach((a, k) => {
      for (const f of ['address', 'family', 'cidr'] as const)
        text(a[f], `network.interfaces[${i}].addresses[${k}].${f}`, L.shortBytes);
      text(a.mac, `network.interfaces[${i}].addresses[${k}].mac`, 32);
    });
  });
  count(n.defaultRoutes, 'network.default_routes', L.defaultRoutes);
  n.defaultRoutes.forEach((r, i) => {
    text(r.iface, `network.default_routes[${i}].iface`, L.shortBytes);
    text(r.gateway, `network.default_routes[${i}].gateway`, L.shortBytes);
  });
  count(n.listening, 'network.listening', L.listening);
  n.listening.forEach((p, i) => {
    const f = `network.listening[${i}]`;
    check(p.port >= 1 && p.port <= 65535, `${f}.port ${p.port} is not 1-65535`);
    text(p.protocol, `${f}.protocol`, 8);
    text(p.address, `${f}.address`, L.shortBytes);
    count(p.processes, `${f}.processes`, L.processesPerPort);
    p.processes.forEach((o, k) => {
      text(o.comm, `${f}.processes[${k}].comm`, L.shortBytes);
      text(o.user, `${f}.processes[${k}].user`, L.shortBytes);
    });
  });
  count(n.connections, 'network.connections', L.connections);
  n.connections.forEach((c, i) => {
    const f = `network.connections[${i}]`;
    check(
      c.protocol === 'tcp' || c.protocol === 'tcp6',
      `${f}.protocol "${c.protocol}" is not tcp or tcp6`,
    );
    for (const port of ['localPort', 'remotePort'] as const)
      check(c[port] >= 1 && c[port] <= 65535, `${f}.${port} ${c[port]} is not 1-65535`);
    text(c.localAddress, `${f}.local_address`, L.shortBytes);
    text(c.remoteAddress, `${f}.remote_address`, L.shortBytes);
    count(c.processes, `${f}.processes`, L.processesPerPort);
    c.processes.forEach((o, k) => {
      text(o.comm, `${f}.processes[${k}].comm`, L.shortBytes);
      text(o.user, `${f}.processes[${k}].user`, L.shortBytes);
    });
  });
}

const PACKAGE_MANAGERS = new Set(['dpkg', 'rpm']);

function validatePackages(s: InventorySnapshot): void {
  count(s.packages, 'packages', L.packages);
  s.packages.forEach((p, i) => {
    const f = `packages[${i}]`;
    check(PACKAGE_MANAGERS.has(p.manager), `${f}.manager "${p.manager}" is not dpkg or rpm`);
    check(p.name.length > 0, `${f}.name is required`);
    text(p.name, `${f}.name`, L.nameBytes);
    text(p.version, `${f}.version`, L.nameBytes);
    text(p.arch, `${f}.arch`, L.shortBytes);
    text(p.sourcePackage, `${f}.source_package`, L.nameBytes);
  });
}

function validateUpdates(s: InventorySnapshot): void {
  const u = s.updates;
  if (!u) return;
  for (const key of ['dpkg', 'apt', 'rpm', 'lastUpdate'] as const) {
    const a = u[key];
    if (!a) continue;
    text(a.file, `updates.${key}.file`, L.pathBytes);
    text(a.detail, `updates.${key}.detail`, L.messageBytes);
  }
  text(u.agentVersion, 'updates.agent_version', L.shortBytes);
}

function validateJvm(j: RunningJvm, f: string): void {
  check(j.pid > 0, `${f}.pid is required`);
  text(j.user, `${f}.user`, L.shortBytes);
  text(j.comm, `${f}.comm`, L.shortBytes);
  texts(j.cmdline, `${f}.cmdline`, L.cmdline, L.pathBytes);
  text(j.main, `${f}.main`, L.messageBytes);
  text(j.mainClass, `${f}.main_class`, L.messageBytes);
  text(j.jar, `${f}.jar`, L.pathBytes);
  texts(j.classpath, `${f}.classpath`, L.classpath, L.pathBytes);
  text(j.javaVersion, `${f}.java_version`, L.shortBytes);
  text(j.javaHome, `${f}.java_home`, L.pathBytes);
  text(j.containerId, `${f}.container_id`, L.containerIdBytes);
  text(j.containerRuntime, `${f}.container_runtime`, L.shortBytes);
  count(j.flags, `${f}.flags`, L.flags);
  j.flags.forEach((x, i) => {
    text(x.name, `${f}.flags[${i}].name`, L.nameBytes);
    for (const k of ['value', 'what', 'note'] as const)
      text(x[k], `${f}.flags[${i}].${k}`, L.messageBytes);
    texts(x.covers, `${f}.flags[${i}].covers`, L.coverage, L.reasonBytes);
    texts(x.doesNotCover, `${f}.flags[${i}].does_not_cover`, L.coverage, L.reasonBytes);
  });
  count(j.indicators, `${f}.indicators`, L.indicators);
  j.indicators.forEach((x, i) => {
    text(x.localAddress, `${f}.indicators[${i}].local_address`, L.shortBytes);
    text(x.remoteAddress, `${f}.indicators[${i}].remote_address`, L.shortBytes);
    text(x.message, `${f}.indicators[${i}].message`, L.messageBytes);
  });
  count(j.findings, `${f}.findings`, L.findingsPerJvm);
  j.findings.forEach((x, i) => {
    check(x.finding !== undefined, `${f}.findings[${i}].finding is required`);
    validateFinding(x.finding as Finding, `${f}.findings[${i}].finding`);
  });
  count(j.restartNeeded, `${f}.restart_needed`, L.restartNeededPerJvm);
  j.restartNeeded.forEach((r, i) => {
    text(r.path, `${f}.restart_needed[${i}].path`, L.pathBytes);
    text(r.detail, `${f}.restart_needed[${i}].detail`, L.messageBytes);
    count(r.running, `${f}.restart_needed[${i}].running`, L.copies);
    count(r.onDisk, `${f}.restart_needed[${i}].on_disk`, L.copies);
    r.running.forEach((c, k) => validateCopy(c, `${f}.restart_needed[${i}].running[${k}]`));
    r.onDisk.forEach((c, k) => validateCopy(c, `${f}.restart_needed[${i}].on_disk[${k}]`));
  });
}

const STATUSES = new Set(['vulnerable', 'mitigated', 'safe', 'unknown']);

function validateCopy(x: CopySummary, f: string): void {
  text(x.version, `${f}.version`, L.shortBytes);
  texts(x.cves, `${f}.cves`, L.cves, FINDING_LIMITS.cveBytes);
}

function validateFinding(x: Finding, f: string): void {
  check(x.chain.length > 0, `${f}.chain is required`);
  count(x.chain, `${f}.chain`, FINDING_LIMITS.chainElements);
  x.chain.forEach((c, i) =>
    check(
      c.length <= FINDING_LIMITS.chainElementBytes,
      `${f}.chain[${i}] is over ${FINDING_LIMITS.chainElementBytes} bytes`,
    ),
  );
  check(
    STATUSES.has(x.status),
    `${f}.status "${x.status.slice(0, 32)}" is not vulnerable, mitigated, safe or unknown`,
  );
  text(x.product, `${f}.product`, FINDING_LIMITS.productBytes);
  text(x.version, `${f}.version`, FINDING_LIMITS.versionBytes);
  texts(x.cves, `${f}.cves`, FINDING_LIMITS.cves, FINDING_LIMITS.cveBytes);
  texts(x.evidence, `${f}.evidence`, FINDING_LIMITS.evidence, FINDING_LIMITS.evidenceBytes);
  text(x.packageRoot, `${f}.package_root`, FINDING_LIMITS.packageRootBytes);
  text(x.sha256, `${f}.sha256`, 64);
}
