import type { Command } from '@log4fleet/contracts';
import type { Logger } from '../logger';

/** A command's kind as it arrives (the `kind` oneof of commands.proto's Command). */
export type WireKind = NonNullable<Command['kind']>;
export type WireKindName = WireKind['$case'];
export type WireParams<K extends WireKindName> = Extract<WireKind, { $case: K }>['value'];

/** What the kind-neutral executor gives a kind's handler for one command. */
export interface KindRun {
  commandId: string;
  log: Logger;
  /** Aborts when the controller cancels the command or the agent shuts down. */
  signal: AbortSignal;
  /** Reports the command started (once the handler checked its parameters). */
  started(): void;
  /** From here the results are being written: too late to cancel. */
  writing(): void;
}

/**
 * Runs the commands of one kind: checks the parameters, does the work (calling a pure library),
 * puts the results in the outbox. Resolves with the number of result chunks written; throws to
 * fail the command (the message is reported).
 */
export interface KindHandler<K extends WireKindName> {
  run(params: WireParams<K>, run: KindRun): Promise<number>;
}

/** One handler per kind the agent knows: a kind without one does not compile. */
export type KindHandlers = { readonly [K in WireKindName]: KindHandler<K> };
