import type { UploadResultsRequest } from '@log4fleet/contracts';
import type { ResultCommand } from '../commands/commands.repository';
import type { StoredChunk } from './result-chunks.repository';

/** A stored chunk of a command's results, decoded, as ingestion hands it to its kind. */
export interface KindResultChunk {
  id: string;
  commandId: string;
  sequence: number;
  results: UploadResultsRequest;
}

/**
 * A kind's result handling (DESIGN: a kind supplies "its result handling"): what the chunks of
 * its commands become (rows, the host's state, the audit). Ingestion (results-ingest.service.ts)
 * keeps the kind-neutral part: storage, decoding, chunks set aside, marking chunks ingested; it
 * calls `ingest` inside its transaction (TransactionService's ambient manager), with the chunks
 * of one kind only. A handler is registered once, in results.module.ts (KIND_RESULT_HANDLERS).
 */
/**
 * Hands over work to run once the ingestion's transaction committed (a policy acting on a new
 * verdict must not act on one that rolls back); its failure is logged, never undoes the ingestion.
 */
export type AfterCommit = (work: () => Promise<void>) => void;

export interface KindResultHandler {
  /** The command kind whose results this handles (commands/kinds.ts). */
  readonly kind: string;
  /**
   * Ingests these chunks (stored at `createdAt`); `stored`: every stored chunk of each of their
   * commands, to tell which commands are complete with this batch (see completedBy).
   */
  ingest(
    chunks: KindResultChunk[],
    commands: ReadonlyMap<string, ResultCommand>,
    stored: ReadonlyMap<string, readonly StoredChunk[]>,
    createdAt: string,
    afterCommit: AfterCommit,
  ): Promise<void>;
}

/** The injection token of the registered handlers (an array, one per kind). */
export const KIND_RESULT_HANDLERS = Symbol('KIND_RESULT_HANDLERS');

/**
 * The handlers by kind; throws at startup naming a kind registered twice (a kind's results
 * would otherwise be handled by whichever came last).
 */
export function handlersByKind(
  handlers: readonly KindResultHandler[],
): ReadonlyMap<string, KindResultHandler> {
  const byKind = new Map<string, KindResultHandler>();
  for (const handler of handlers) {
    if (byKind.has(handler.kind))
      throw new Error(`the results of command kind ${handler.kind} have two handlers`);
    byKind.set(handler.kind, handler);
  }
  return byKind;
}

/**
 * The commands whose every chunk is ingested once `chunks` are: the ones a handler completes
 * (applies to the host) in this batch. A command completes in exactly one batch: the one that
 * ingests its last missing chunk.
 */
export function completedBy(
  chunks: readonly Pick<KindResultChunk, 'id' | 'commandId'>[],
  stored: ReadonlyMap<string, readonly Pick<StoredChunk, 'id' | 'totalChunks' | 'ingested'>[]>,
): string[] {
  const newly = new Set(chunks.map((c) => c.id));
  const done: string[] = [];
  for (const commandId of new Set(chunks.map((c) => c.commandId))) {
    const all = stored.get(commandId) ?? [];
    const ingested = all.filter((c) => c.ingested || newly.has(c.id)).length;
    if (all.length > 0 && ingested >= all[0].totalChunks) done.push(commandId);
  }
  return done;
}

/**
 * Why this chunk cannot be results of `command`, or null: a scan's chunk carries findings,
 * errors and a summary and no kind results; any other kind's carries its own case of
 * kind_results and nothing of a scan's.
 */
export function wrongKindOfResults(
  command: Pick<ResultCommand, 'id' | 'kind'>,
  chunk: UploadResultsRequest,
): string | null {
  // Compared as text: a command row may hold a kind this build has no results case for.
  const carried: string | undefined = chunk.kindResults?.kind?.$case;
  if (command.kind === 'scan')
    return chunk.kindResults === undefined
      ? null
      : `command ${command.id} is a scan: its results are findings, not ${carried ?? 'empty'} kind results`;
  if (chunk.findings.length > 0 || chunk.errors.length > 0 || chunk.summary !== undefined)
    return `command ${command.id} is a ${command.kind}: its results carry no scan findings, errors or summary`;
  if (carried !== (command.kind as string))
    return `command ${command.id} is a ${command.kind}: its results must be ${command.kind} results, not ${carried ?? 'none'}`;
  return null;
}
