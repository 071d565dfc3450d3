import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Not, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CommandsService } from '../commands/commands.service';
import { CommandResultsDto, RetryResultsDto } from './command-results.dto';
import { IngestQueue } from './ingest-queue.service';
import { ResultChunkEntity } from './result-chunk.entity';

/** A command's uploaded chunks as stored, and a second try for those set aside. */
@Injectable()
export class CommandResultsService {
  constructor(
    @InjectRepository(ResultChunkEntity) private readonly chunks: Repository<ResultChunkEntity>,
    private readonly commands: CommandsService,
    private readonly ingestQueue: IngestQueue,
    private readonly audit: AuditService,
  ) {}

  async of(commandId: string): Promise<CommandResultsDto> {
    await this.commands.get(commandId);
    const rows = await this.chunks.find({
      where: { commandId },
      select: {
        agentId: true,
        sequence: true,
        totalChunks: true,
        findingsCount: true,
        errorsCount: true,
        receivedAt: true,
        ingestedAt: true,
        failedAt: true,
        failure: true,
      },
      order: { sequence: 'ASC', receivedAt: 'ASC' },
    });
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
    const failed = await this.chunks.find({
      where: { commandId, failedAt: Not(IsNull()), ingestedAt: IsNull() },
      select: { id: true, agentId: true, commandId: true, sequence: true },
    });
    if (failed.length > 0)
      await this.chunks.update(
        { id: In(failed.map((c) => c.id)) },
        { failedAt: null, failure: null },
      );
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
