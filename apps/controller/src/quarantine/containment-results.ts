import { Injectable } from '@nestjs/common';
import type { ResultCommand } from '../commands/commands.service';
import { completedBy, type KindResultChunk, type KindResultHandler } from '../results/kind-results';
import type { StoredChunk } from '../results/result-chunks.repository';
import { ContainmentService } from './containment.service';

/** Evidence JSON the agent sends, parsed; kept as text when it is not an object. */
function evidenceOf(json: string): Record<string, unknown> {
  if (!json) return {};
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : { evidence: json };
  } catch {
    return { evidence: json };
  }
}

/** A quarantine's results: one chunk, verified with its evidence or failed with its reason. */
@Injectable()
export class QuarantineResults implements KindResultHandler {
  readonly kind = 'quarantine';

  constructor(private readonly containment: ContainmentService) {}

  async ingest(
    chunks: KindResultChunk[],
    commands: ReadonlyMap<string, ResultCommand>,
    stored: ReadonlyMap<string, readonly StoredChunk[]>,
  ): Promise<void> {
    for (const commandId of completedBy(chunks, stored)) {
      const command = commands.get(commandId);
      const chunk = chunks.find((c) => c.commandId === commandId);
      const kind = chunk?.results.kindResults?.kind;
      if (!command || kind?.$case !== 'quarantine') continue;
      const r = kind.value;
      await this.containment.onResults(
        { id: command.id, hostId: command.hostId, agentId: command.agentId, kind: 'quarantine' },
        r.state,
        r.state === 'verified'
          ? { evidence: evidenceOf(r.evidenceJson) }
          : {
              code: r.code,
              reason: r.reason,
              rolledBack: r.rolledBack,
              evidence: evidenceOf(r.evidenceJson),
            },
      );
    }
  }
}

/** A release's results: released (and whether there was a table) or failed. */
@Injectable()
export class ReleaseResults implements KindResultHandler {
  readonly kind = 'release';

  constructor(private readonly containment: ContainmentService) {}

  async ingest(
    chunks: KindResultChunk[],
    commands: ReadonlyMap<string, ResultCommand>,
    stored: ReadonlyMap<string, readonly StoredChunk[]>,
  ): Promise<void> {
    for (const commandId of completedBy(chunks, stored)) {
      const command = commands.get(commandId);
      const kind = chunks.find((c) => c.commandId === commandId)?.results.kindResults?.kind;
      if (!command || kind?.$case !== 'release') continue;
      const r = kind.value;
      await this.containment.onResults(
        { id: command.id, hostId: command.hostId, agentId: command.agentId, kind: 'release' },
        r.state,
        r.state === 'released'
          ? { tableWasPresent: r.tableWasPresent }
          : { code: r.code, reason: r.reason },
      );
    }
  }
}
