import { scanKind, type ScanParams } from '../scan/scan.kind';
import { checkKindsRegistered, type CommandKindDefinition } from './command-kind';

/**
 * The registry of command kinds: each kind's name and the type of its parameters. A new kind is
 * a line here and a line in COMMAND_KINDS, the rest lives in its own folder.
 */
export interface KindParams {
  scan: ScanParams;
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
  };

checkKindsRegistered(COMMAND_KINDS);

/** The definition of a kind by its stored name; undefined for a kind with no wire form (remediate). */
export function kindDefinition(name: string): CommandKindDefinition<string, unknown> | undefined {
  return Object.prototype.hasOwnProperty.call(COMMAND_KINDS, name)
    ? COMMAND_KINDS[name as KindName]
    : undefined;
}

/** The kinds a campaign (or a schedule) may run. */
export const CAMPAIGN_COMMAND_KINDS: readonly KindName[] = (
  Object.keys(COMMAND_KINDS) as KindName[]
).filter((k) => COMMAND_KINDS[k].inCampaigns);
export const SCHEDULE_COMMAND_KINDS: readonly KindName[] = (
  Object.keys(COMMAND_KINDS) as KindName[]
).filter((k) => COMMAND_KINDS[k].inSchedules);
