import {
  quarantineKind,
  releaseKind,
  type QuarantineParams,
  type ReleaseParams,
} from '../quarantine/quarantine.kind';
import { probeKind, type ProbeParams } from '../probe/probe.kind';
import {
  fixKind,
  restoreKind,
  type FixParams,
  type RestoreParams,
} from '../remediation/remediation.kind';
import { huntKind, type HuntParams } from '../hunt/hunt.kind';
import { scanKind, type ScanParams } from '../scan/scan.kind';
import { checkKindsRegistered, type CommandKindDefinition } from './command-kind';

/**
 * The registry of command kinds: each kind's name and the type of its parameters. A new kind is
 * a line here and a line in COMMAND_KINDS, the rest lives in its own folder.
 */
export interface KindParams {
  scan: ScanParams;
  quarantine: QuarantineParams;
  release: ReleaseParams;
  probe: ProbeParams;
  fix: FixParams;
  restore: RestoreParams;
  hunt: HuntParams;
}
export type KindName = keyof KindParams;

/**
 * A command to create: a kind and its parameters, typed together (as immich types its jobs), so
 * that parameters cannot be sent with the wrong kind.
 */
export type CommandRequest = { [K in KindName]: { kind: K; params: KindParams[K] } }[KindName];

export const COMMAND_KINDS: { readonly [K in KindName]: CommandKindDefinition<K, KindParams[K]> } =
  {
    scan: scanKind,
    quarantine: quarantineKind,
    release: releaseKind,
    probe: probeKind,
    fix: fixKind,
    restore: restoreKind,
    hunt: huntKind,
  };

checkKindsRegistered(COMMAND_KINDS);

/** The definition of a kind by its stored name; undefined for a kind with no wire form (remediate). */
export function kindDefinition(name: string): CommandKindDefinition<string, unknown> | undefined {
  return Object.prototype.hasOwnProperty.call(COMMAND_KINDS, name)
    ? COMMAND_KINDS[name as KindName]
    : undefined;
}

/**
 * A command of a kind named at run time (a campaign's stored kind) from its stored parameters,
 * or null when this controller knows no such kind.
 */
export function storedRequest(
  kind: string,
  payload: Record<string, unknown>,
): CommandRequest | null {
  const definition = kindDefinition(kind);
  // The definition registered under this name takes its own parameters: the pair is consistent.
  return definition ? ({ kind, params: definition.fromStored(payload) } as CommandRequest) : null;
}

/**
 * Kinds stored as commands but never sent to an agent (no definition, no wire form): a
 * remediation done by hand, recorded so that a later clean scan verifies it.
 */
export const RECORDED_KINDS = ['remediate'] as const;
/** Every kind a command row may hold: the registry's, and the recorded-only ones. */
export type CommandKind = KindName | (typeof RECORDED_KINDS)[number];
export const COMMAND_KIND_NAMES: readonly CommandKind[] = [
  ...(Object.keys(COMMAND_KINDS) as KindName[]),
  ...RECORDED_KINDS,
];
/**
 * Changes to a host that a rescan verifies once they succeeded (DESIGN: "then verified"): the
 * registry's kinds flagged verifiable, and a remediation recorded by hand.
 */
export const VERIFIABLE_KINDS: readonly CommandKind[] = [
  ...(Object.keys(COMMAND_KINDS) as KindName[]).filter((k) => COMMAND_KINDS[k].verifiable),
  'remediate',
];

/**
 * Remediations a rescan must prove (verification/remediation-proof.ts): one recorded by hand,
 * and an agent's fix (JndiLookup removed).
 */
export const REMEDIATION_KINDS: readonly CommandKind[] = ['remediate', 'fix'];

/** The kinds a campaign (or a schedule) may run. */
export const CAMPAIGN_COMMAND_KINDS: readonly KindName[] = (
  Object.keys(COMMAND_KINDS) as KindName[]
).filter((k) => COMMAND_KINDS[k].inCampaigns);
export const SCHEDULE_COMMAND_KINDS: readonly KindName[] = (
  Object.keys(COMMAND_KINDS) as KindName[]
).filter((k) => COMMAND_KINDS[k].inSchedules);
