import { UploadResultsRequest } from '@log4fleet/contracts';
import type { ResultCommand } from '../commands/commands.service';
import { DomainException } from '../common/domain.exception';
import { wrongKindOfResults } from './kind-results';
import type { StoredChunk } from './result-chunks.repository';

/**
 * Why results for this command are refused, or null. A command the controller cancelled (an
 * admin's cancel, a campaign pause or cancel) or expired is over, and results that come for it
 * later (an agent that ran it anyway, a 'started' report arriving after the cancel, a scan that
 * was already writing its results when the cancel reached it) never count, whatever the agent
 * did meanwhile: the controller's record decides.
 */
export function resultsRefusal(command: ResultCommand): string | null {
  if (command.state !== 'cancelled' && command.state !== 'expired') return null;
  return `command ${command.id} was ${command.state} by the controller; its results are not accepted (run a new scan)`;
}

/**
 * A chunk must be results of its command's kind (a kind with result handling, its own case of
 * results), and its total must match the one announced before: by its command's first stored chunk
 * (`stored`), or, when none is stored, by the agent's success report (commands.total_chunks).
 * The command row is not written here: agents' reports update it meanwhile.
 */
export function checkConsistent(
  command: ResultCommand,
  chunk: UploadResultsRequest,
  stored: number | null,
  handledKinds: ReadonlySet<string>,
): void {
  if (!handledKinds.has(command.kind))
    throw DomainException.invalid(
      `command ${command.id} is a ${command.kind}, which uploads no results`,
    );
  const wrong = wrongKindOfResults(command, chunk);
  if (wrong) throw DomainException.invalid(wrong);
  const announced = stored ?? command.totalChunks;
  if (announced !== null && announced !== chunk.totalChunks) {
    throw DomainException.invalid(
      `command ${command.id}: total_chunks ${chunk.totalChunks} differs from the ${announced} announced before`,
    );
  }
}

export function decodeStored(chunk: StoredChunk, payload: string): UploadResultsRequest {
  try {
    return UploadResultsRequest.decode(Buffer.from(payload, 'base64'));
  } catch (error) {
    throw new Error(
      `result chunk ${chunk.commandId}/${chunk.sequence} of agent ${chunk.agentId} cannot be decoded (${error instanceof Error ? error.message : String(error)}); it is set aside, not ingested`,
    );
  }
}
