import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { CommandsService } from '../commands/commands.service';
import { CommandResultsDto, RetryResultsDto } from './command-results.dto';
import { IngestQueue } from './ingest-queue.service';
import { ResultChunksRepository } from './result-chunks.repository';

/** A command's uploaded chunks as stored, and a second try for those set aside. */
@Injectable()
export class CommandResultsService {
  constructor(
    private readonly chunks: ResultChunksRepository,
    private readonly commands: CommandsService,
    private readonly ingestQueue: IngestQueue,
    private readonly audit: AuditService,
  ) {}

  async of(commandId: string): Promise<CommandResultsDto> {
    await this.commands.get(commandId);
    const rows = await this.chunks.listOf(commandId);
    return {
      commandId,
      received: rows.length,
      ingested: rows.filter((r) => r.ingestedAt !== null).length,
      failed: rows.filter((r) => r.failedAt !== null).length,
      chunks: rows.map((r) => ({
        sequence: r.sequence,
        totalChunks: r.totalChunks,
        agentId: r.agentId,
        findings: r.findingsCount,
        errors: r.errorsCount,
        receivedAt: r.receivedAt.toISOString(),
        ingestedAt: r.ingestedAt?.toISOString() ?? null,
        failedAt: r.failedAt?.toISOString() ?? null,
        failure: r.failure,
      })),
    };
  }

  /**
   * The command's chunks set aside get an ingest job again (after a fix, say): those that still
   * do not decode are set aside again, with a new audit event.
   */
  async retry(commandId: string, actor: string): Promise<RetryResultsDto> {
    const command = await this.commands.get(commandId);
    const failed = await this.chunks.setAsideOf(commandId);
    if (failed.length > 0) await this.chunks.clearSetAside(failed.map((c) => c.id));
    let requeued = 0;
    for (const c of failed)
      if (
        await this.ingestQueue.requeue({
          agentId: c.agentId,
          commandId: c.commandId,
          sequence: c.sequence,
        })
      )
        requeued++;
    await this.audit.record({
      actor,
      action: 'results.retry_requested',
      hostId: command.hostId,
      details: { commandId, chunks: failed.map((c) => c.sequence), requeued },
    });
    return { requeued };
  }
}
