import type {
  InstalledPackage,
  InventorySnapshot,
  ListeningPort,
  RunningJvm,
  UserAccount,
} from '@log4fleet/contracts';
import { chainToPathText } from '../common/path-text';

/** Kinds of change between two snapshots of a host; each becomes one audit event "inventory.<kind>". */
export const INVENTORY_CHANGE_KINDS = [
  'account_added',
  'account_removed',
  'privileged_account_added',
  'privileged_account_removed',
  'listening_port_opened',
  'listening_port_closed',
  'packages_updated',
  'package_installed',
  'package_removed',
  'package_version_changed',
  'os_changed',
  'jvm_started',
  'jvm_stopped',
  'vulnerable_jar_running',
  'restart_needed',
] as const;
export type InventoryChangeKind = (typeof INVENTORY_CHANGE_KINDS)[number];

export interface InventoryChange {
  kind: InventoryChangeKind;
  /** One line for a human, e.g. "privileged account alice added (member of sudo)". */
  summary: string;
  details: Record<string, unknown>;
}

const byKey = <T>(items: T[], key: (item: T) => string): Map<string, T> =>
  new Map(items.map((i) => [key(i), i]));

function added<T>(before: Map<string, T>, after: Map<string, T>): T[] {
  return [...after].filter(([k]) => !before.has(k)).map(([, v]) => v);
}

/** Everything that changed from `prev` to `next` that an admin responding to Log4Shell cares about. */
export function diffSnapshots(prev: InventorySnapshot, next: InventorySnapshot): InventoryChange[] {
  return [
    ...accountChanges(prev, next),
    ...portChanges(prev, next),
    ...updateChanges(prev, next),
    ...packageChanges(prev, next),
    ...osChanges(prev, next),
    ...jvmChanges(prev, next),
  ];
}

function accountChanges(prev: InventorySnapshot, next: InventorySnapshot): InventoryChange[] {
  const changes: InventoryChange[] = [];
  const before = byKey(prev.accounts, (a) => a.name);
  const after = byKey(next.accounts, (a) => a.name);
  const describe = (a: UserAccount) => ({
    name: a.name,
    uid: a.uid,
    shell: a.shell,
    canLogin: a.canLogin,
    privileged: a.privileged,
    privilegeReasons: a.privilegeReasons,
  });
  for (const a of added(before, after))
    changes.push({
      kind: 'account_added',
      summary: `account ${a.name} (uid ${a.uid}) added`,
      details: describe(a),
    });
  for (const a of added(after, before))
    changes.push({
      kind: 'account_removed',
      summary: `account ${a.name} (uid ${a.uid}) removed`,
      details: describe(a),
    });
  const privBefore = byKey(
    prev.accounts.filter((a) => a.privileged),
    (a) => a.name,
  );
  const privAfter = byKey(
    next.accounts.filter((a) => a.privileged),
    (a) => a.name,
  );
  for (const a of added(privBefore, privAfter)) {
    changes.push({
      kind: 'privileged_account_added',
      summary: `privileged account ${a.name} added (${a.privilegeReasons.join(', ') || 'privileged'})`,
      details: { ...describe(a), existedBefore: before.has(a.name) },
    });
  }
  for (const a of added(privAfter, privBefore)) {
    changes.push({
      kind: 'privileged_account_removed',
      summary: `account ${a.name} is no longer privileged`,
      details: { ...describe(a), stillExists: after.has(a.name) },
    });
  }
  return changes;
}

const portKey = (p: ListeningPort): string => `${p.protocol} ${p.address} ${p.port}`;

function portChanges(prev: InventorySnapshot, next: InventorySnapshot): InventoryChange[] {
  const before = byKey(prev.network?.listening ?? [], portKey);
  const after = byKey(next.network?.listening ?? [], portKey);
  const describe = (p: ListeningPort) => ({
    protocol: p.protocol,
    address: p.address,
    port: p.port,
    uid: p.uid,
    processes: p.processes.map((o) => ({ pid: o.pid, comm: o.comm, user: o.user })),
  });
  const owner = (p: ListeningPort): string =>
    p.processes[0] ? ` by ${p.processes[0].comm || 'pid'} (pid ${p.processes[0].pid})` : '';
  return [
    ...added(before, after).map((p): InventoryChange => ({
      kind: 'listening_port_opened',
      summary: `${p.protocol} port ${p.port} on ${p.address} now listening${owner(p)}`,
      details: describe(p),
    })),
    ...added(after, before).map((p): InventoryChange => ({
      kind: 'listening_port_closed',
      summary: `${p.protocol} port ${p.port} on ${p.address} no longer listening`,
      details: describe(p),
    })),
  ];
}

function updateChanges(prev: InventorySnapshot, next: InventorySnapshot): InventoryChange[] {
  const last = next.updates?.lastUpdate;
  const before = prev.updates?.lastUpdate?.atMs ?? 0;
  if (!last || last.atMs <= before) return [];
  const at = new Date(last.atMs).toISOString();
  return [
    {
      kind: 'packages_updated',
      summary: `package update run at ${at}: ${last.detail}`,
      details: {
        at,
        file: last.file,
        detail: last.detail,
        previousAt: before > 0 ? new Date(before).toISOString() : null,
      },
    },
  ];
}

const packageKey = (p: InstalledPackage): string => `${p.manager} ${p.name} ${p.arch}`;
const describePackage = (p: InstalledPackage) => ({
  manager: p.manager,
  name: p.name,
  version: p.version,
  arch: p.arch,
});

/**
 * Packages installed, removed or changed version, keyed by manager, name and architecture. An
 * empty list on either side means "not collected" (an agent from before package inventory, an
 * unreadable dpkg status), not thousands of packages installed or removed: no changes then.
 */
function packageChanges(prev: InventorySnapshot, next: InventorySnapshot): InventoryChange[] {
  if (prev.packages.length === 0 || next.packages.length === 0) return [];
  const before = byKey(prev.packages, packageKey);
  const after = byKey(next.packages, packageKey);
  const changes: InventoryChange[] = [
    ...added(before, after).map((p): InventoryChange => ({
      kind: 'package_installed',
      summary: `${p.manager} package ${p.name} ${p.version} installed`,
      details: describePackage(p),
    })),
    ...added(after, before).map((p): InventoryChange => ({
      kind: 'package_removed',
      summary: `${p.manager} package ${p.name} ${p.version} removed`,
      details: describePackage(p),
    })),
  ];
  for (const [key, p] of after) {
    const old = before.get(key);
    if (!old || old.version === p.version) continue;
    changes.push({
      kind: 'package_version_changed',
      summary: `${p.manager} package ${p.name} ${old.version} -> ${p.version}`,
      details: { ...describePackage(p), previousVersion: old.version },
    });
  }
  return changes;
}

function osChanges(prev: InventorySnapshot, next: InventorySnapshot): InventoryChange[] {
  const fields = ['name', 'version', 'kernel', 'arch'] as const;
  const changed = fields.filter((f) => (prev.os?.[f] ?? '') !== (next.os?.[f] ?? ''));
  if (changed.length === 0) return [];
  const pick = (s: InventorySnapshot) =>
    Object.fromEntries(changed.map((f) => [f, s.os?.[f] ?? '']));
  const text = changed
    .map((f) => `${f} ${prev.os?.[f] || '?'} -> ${next.os?.[f] || '?'}`)
    .join(', ');
  return [
    {
      kind: 'os_changed',
      summary: `OS changed: ${text}`,
      details: { changed, from: pick(prev), to: pick(next) },
    },
  ];
}

/** A JVM is the same process when pid and start time match (pids are reused). */
const jvmKey = (j: RunningJvm): string => `${j.pid}@${j.startedAtMs}`;
const describeJvm = (j: RunningJvm) => ({
  pid: j.pid,
  user: j.user,
  main: j.main,
  containerId: j.containerId,
  startedAt: j.startedAtMs > 0 ? new Date(j.startedAtMs).toISOString() : null,
});

function jvmChanges(prev: InventorySnapshot, next: InventorySnapshot): InventoryChange[] {
  const before = byKey(prev.jvms, jvmKey);
  const after = byKey(next.jvms, jvmKey);
  const changes: InventoryChange[] = [
    ...added(before, after).map((j): InventoryChange => ({
      kind: 'jvm_started',
      summary: `JVM started: pid ${j.pid} ${j.main}`.trimEnd(),
      details: describeJvm(j),
    })),
    ...added(after, before).map((j): InventoryChange => ({
      kind: 'jvm_stopped',
      summary: `JVM stopped: pid ${j.pid} ${j.main}`.trimEnd(),
      details: describeJvm(j),
    })),
  ];
  const vulnerableBefore = new Set(
    prev.jvms.flatMap((j) => vulnerableJars(j).map((path) => `${jvmKey(j)} ${path}`)),
  );
  const restartBefore = new Set(
    prev.jvms.flatMap((j) => j.restartNeeded.map((r) => `${jvmKey(j)} ${r.path}`)),
  );
  for (const j of next.jvms) {
    for (const path of vulnerableJars(j)) {
      if (vulnerableBefore.has(`${jvmKey(j)} ${path}`)) continue;
      const f = j.findings.find((x) => findingPath(x.finding?.chain ?? []) === path)?.finding;
      changes.push({
        kind: 'vulnerable_jar_running',
        summary: `pid ${j.pid} runs vulnerable ${f?.product ?? 'log4j'} ${f?.version ?? ''} from ${path}`,
        details: {
          ...describeJvm(j),
          path,
          product: f?.product,
          version: f?.version,
          cves: f?.cves ?? [],
        },
      });
    }
    for (const r of j.restartNeeded) {
      if (restartBefore.has(`${jvmKey(j)} ${r.path}`)) continue;
      changes.push({
        kind: 'restart_needed',
        summary: `pid ${j.pid} still runs the ${r.reason} jar ${r.path}: restart needed`,
        details: { ...describeJvm(j), path: r.path, reason: r.reason, detail: r.detail },
      });
    }
  }
  return changes;
}

/** Display path of a finding: chain elements joined with "!/", as findings show it (lossless). */
export function findingPath(chain: Uint8Array[]): string {
  return chainToPathText(chain);
}

export function vulnerableJars(j: RunningJvm): string[] {
  return [
    ...new Set(
      j.findings
        .filter((f) => f.finding?.status === 'vulnerable')
        .map((f) => findingPath(f.finding?.chain ?? [])),
    ),
  ];
}

/** The indexed summary of one snapshot. */
export function summarize(s: InventorySnapshot): {
  runningVulnerableJvm: boolean;
  restartNeeded: boolean;
  privilegedAccounts: string[];
  lastUpdateAtMs: number;
} {
  return {
    runningVulnerableJvm: s.jvms.some((j) => vulnerableJars(j).length > 0),
    restartNeeded: s.jvms.some((j) => j.restartNeeded.length > 0),
    privilegedAccounts: s.accounts
      .filter((a) => a.privileged)
      .map((a) => a.name)
      .sort(),
    lastUpdateAtMs: s.updates?.lastUpdate?.atMs ?? 0,
  };
}
