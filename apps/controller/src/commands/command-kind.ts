import type { Command } from '@log4fleet/contracts';

/** A command's kind on the wire (the `kind` oneof of commands.proto's Command). */
export type WireKind = NonNullable<Command['kind']>;

/**
 * What a kind supplies to the kind-neutral lifecycle (commands/): everything the lifecycle needs
 * to store, send and follow a command of that kind, and nothing it must know by name. A kind is
 * registered once in commands/kinds.ts.
 */
export interface CommandKindDefinition<K extends string, P> {
  readonly name: K;
  /** Whether a campaign (and so a schedule, which starts campaigns) may run this kind. */
  readonly inCampaigns: boolean;
  readonly inSchedules: boolean;
  /**
   * Whether a success changed the host, to be verified by a rescan (DESIGN: "then verified"):
   * the verification hook runs for these once they succeeded.
   */
  readonly verifiable: boolean;
  /**
   * For a verifiable kind: whether a success of a command with these parameters changed the host
   * (a fix's dry run changed nothing: there is nothing to verify). Absent: every success did.
   */
  changesHost?(params: P): boolean;
  /**
   * The class (class-validator) that validates the parameters a campaign or a schedule is given
   * (a REST body's `params`); what it accepts is stored as given and read back by fromStored.
   */
  readonly paramsDto: new () => object;
  /** The parameters as stored (commands.payload), a payload an older controller stored included. */
  fromStored(payload: Record<string, unknown>): P;
  /** The parameters as the agent receives them. */
  toWire(params: P): WireKind;
}

/**
 * Startup check of a registry: every kind registered exactly once, under its own name. Throws
 * naming the offending kind.
 */
export function checkKindsRegistered(
  registry: Readonly<Record<string, CommandKindDefinition<string, unknown>>>,
  definitions: ReadonlyArray<CommandKindDefinition<string, unknown>> = Object.values(registry),
): void {
  const seen = new Set<string>();
  for (const definition of definitions) {
    if (seen.has(definition.name))
      throw new Error(`command kind ${definition.name} is registered more than once`);
    seen.add(definition.name);
    if (registry[definition.name] !== definition)
      throw new Error(`command kind ${definition.name} is registered under another name`);
  }
  for (const name of Object.keys(registry))
    if (!seen.has(name)) throw new Error(`command kind ${name} has no definition`);
}

/** What runs commands of a kind besides a single request: a campaign, or a schedule's campaigns. */
export type KindUse = 'campaigns' | 'schedules';

/**
 * Why a kind cannot run in `use`, naming it, or null when it can: registered with the use's flag
 * (inCampaigns, inSchedules), or one of `extra` (a campaign's "verify").
 */
export function kindRefusal(
  registry: Readonly<Record<string, CommandKindDefinition<string, unknown>>>,
  name: unknown,
  use: KindUse,
  extra: readonly string[] = [],
): string | null {
  const definitions = Object.values(registry);
  const allowed = [
    ...definitions
      .filter((d) => (use === 'campaigns' ? d.inCampaigns : d.inSchedules))
      .map((d) => d.name),
    ...extra,
  ];
  if (typeof name === 'string' && allowed.includes(name)) return null;
  const one = `one of: ${allowed.join(', ')}`;
  if (typeof name !== 'string') return `kind must be a string, ${one}`;
  const shown = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
  return definitions.some((d) => d.name === name)
    ? `kind ${shown} cannot run in ${use} (${one})`
    : `kind ${shown} is not a command kind (${one})`;
}
