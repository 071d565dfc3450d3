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
