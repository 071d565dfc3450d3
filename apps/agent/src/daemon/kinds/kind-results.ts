import { KindResults, PROTOCOL_LIMITS } from '@log4fleet/contracts';
import type { Outbox } from '../outbox';

/**
 * Puts a kind's results (a kind other than scan) in the outbox, one chunk per part, in order;
 * resolves with the number of chunks written, for the handler to return. At least one part: the
 * controller learns that a command's results are complete from its chunks, so a command with
 * nothing to report still sends one (an empty list, a verdict). Each part must fit a chunk
 * (PROTOCOL_LIMITS.kindResultsBytes): a kind splits large results itself.
 */
export async function putKindResults(
  outbox: Outbox,
  commandId: string,
  parts: readonly KindResults[],
): Promise<number> {
  if (parts.length === 0)
    throw new Error(`command ${commandId}: no results to put in the outbox (one part at least)`);
  for (const [sequence, part] of parts.entries()) {
    const bytes = KindResults.encode(part).finish().length;
    if (bytes > PROTOCOL_LIMITS.kindResultsBytes)
      throw new Error(
        `command ${commandId}: result part ${sequence} is ${bytes} bytes, over the ${PROTOCOL_LIMITS.kindResultsBytes} a chunk carries`,
      );
  }
  for (const [sequence, kindResults] of parts.entries())
    await outbox.put({
      commandId,
      sequence,
      totalChunks: parts.length,
      findings: [],
      errors: [],
      kindResults,
    });
  return parts.length;
}
