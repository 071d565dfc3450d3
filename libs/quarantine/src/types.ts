/** What an admin asks for: `isolate` cuts the host off, `egress-block` only the Log4Shell callbacks. */
export type QuarantineMode = 'isolate' | 'egress-block';

export type AllowProtocol = 'tcp' | 'udp';

/** One admin allowlist entry: a peer (address or prefix), a protocol and, optionally, one port. */
export interface AllowEntry {
  /** `10.0.0.5`, `10.0.0.0/8`, `2001:db8::/32`. */
  cidr: string;
  protocol: AllowProtocol;
  /** The service port on either side (the host as client or as server); all ports when absent. */
  port?: number;
}

/** A destination that must be unreachable once the quarantine is in place. */
export interface ProbeTarget {
  address: string;
  port: number;
  protocol: AllowProtocol;
}

export interface QuarantineSpec {
  mode: QuarantineMode;
  /**
   * The controller the agent must keep reaching: a name (resolved once, then pinned) or an
   * address; `addresses`, when given, are pinned instead of resolving the name (every address
   * of a load-balanced controller).
   */
  controller: { host: string; port: number; addresses?: string[] };
  /** isolate: peers that stay reachable besides the controller. */
  allowlist?: AllowEntry[];
  /** egress-block: the only resolvers DNS (53) may still reach. */
  resolvers?: string[];
  probe?: ProbeTarget;
}

/** A validated spec: addresses and prefixes in the one form nft prints them. */
export interface NormalizedSpec {
  mode: QuarantineMode;
  controller: { host: string; port: number; addresses: string[] };
  allowlist: NormalizedAllow[];
  resolvers: string[];
  probe?: ProbeTarget;
}

export interface NormalizedAllow {
  family: 4 | 6;
  /** Network address, host bits cleared. */
  address: string;
  /** Prefix length; a full-length prefix is a single address. */
  prefix: number;
  protocol: AllowProtocol;
  port?: number;
}

/** Everything the ruleset needs, the controller's name already pinned to addresses. */
export interface RulesetPlan {
  mode: QuarantineMode;
  controllerAddresses: string[];
  controllerPort: number;
  allowlist: NormalizedAllow[];
  resolvers: string[];
}

export interface CheckRecord {
  name: 'readback' | 'controller' | 'probe' | 'rollback-readback';
  ok: boolean;
  ms: number;
  detail: string;
}

export interface Timings {
  resolveMs: number;
  applyMs: number;
  readbackMs: number;
  cutMs: number;
  proveMs: number;
  totalMs: number;
}

export interface QuarantineEvidence {
  mode: QuarantineMode;
  table: string;
  /** sha256 of the table as read back (canonical form): what check() compares against. */
  rulesetHash: string;
  /** `nft list table inet log4fleet` as applied (capped at 16 KiB), for the audit trail. */
  ruleset: string;
  controller: { host: string; port: number; addresses: string[] };
  allowlist: NormalizedAllow[];
  resolvers: string[];
  flowsCut: number;
  checks: CheckRecord[];
  timings: Timings;
  appliedAt: string;
}

export type QuarantineResult =
  | { state: 'verified'; evidence: QuarantineEvidence }
  | {
      state: 'failed';
      code: string;
      reason: string;
      /** True when the previous state of the agent's table was put back (or nothing had changed). */
      rolledBack: boolean;
      checks: CheckRecord[];
      timings: Partial<Timings>;
    };

export type ReleaseResult =
  | { state: 'released'; tableWasPresent: boolean; ms: number }
  | { state: 'failed'; code: string; reason: string };

export type TamperKind = 'missing' | 'changed';

/** What check() (each heartbeat) and reapply() (agent start) found and did. */
export type CheckResult =
  | { state: 'none' }
  | { state: 'intact'; rulesetHash: string }
  /** Put back after a reboot (new boot id): expected, not tampering. */
  | { state: 'reapplied'; rulesetHash: string }
  | {
      state: 'restored';
      tamper: { kind: TamperKind; expectedHash: string; foundHash: string | null; detail: string };
      rulesetHash: string;
    }
  | { state: 'failed'; code: string; reason: string };
