import { Inject, Injectable } from '@nestjs/common';
import type { UploadResultsRequest } from '@log4fleet/contracts';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CommandsService } from '../commands/commands.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { loggerFor } from '../common/logger';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { placeholders, rawQuery } from '../database/raw-query';

const MB = 1024 * 1024;
/** Commands whose refusal this process already recorded (an agent retrying does not flood the audit log). */
const REMEMBERED_REFUSALS = 10_000;

/** What one command's results already take in result_chunks. */
export interface CommandUsage {
  chunks: number;
  /** Bytes of the stored chunks (their protobuf, as stored in base64: 4 characters per 3 bytes). */
  bytes: number;
}

/** An upload refused by a per-command limit: the command fails with the reason, after the commit. */
export interface LimitRefusal {
  agentId: string;
  hostId: string;
  commandId: string;
  reason: string;
}

/**
 * Bounds on what one agent can make the controller store for one command: RESULT_MAX_CHUNKS_PER_COMMAND
 * (total_chunks) and RESULT_MAX_MB_PER_COMMAND (bytes stored). An upload past either is refused
 * with FAILED_PRECONDITION (the agent sets the chunk aside instead of retrying it) and the
 * command fails with the reason, which the admin sees on the command and in the audit log.
 */
@Injectable()
export class ResultLimits {
  private readonly logger = loggerFor(ResultLimits.name);
  private readonly recorded = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly commands: CommandsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Stored chunks and bytes per command (one grouped statement for a batch of uploads).
   * octet_length, not length: both databases read it from the row's header (PostgreSQL from the
   * TOAST pointer) instead of reading and counting megabytes of payload.
   */
  async usage(
    commandIds: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, CommandUsage>> {
    const usage = new Map<string, CommandUsage>();
    if (commandIds.length === 0) return usage;
    const { rows } = await rawQuery<{
      command_id: string;
      chunks: number | string;
      chars: number | string | null;
    }>(
      manager,
      `SELECT command_id, COUNT(*) AS chunks, SUM(octet_length(payload)) AS chars
       FROM result_chunks WHERE command_id IN (${placeholders(commandIds.length)})
       GROUP BY command_id`,
      commandIds,
    );
    for (const r of rows)
      usage.set(r.command_id, {
        chunks: Number(r.chunks),
        bytes: Math.floor((Number(r.chars ?? 0) * 3) / 4),
      });
    return usage;
  }

  /**
   * Why this chunk may not be stored, or null; on null `usage` counts it (the next upload of the
   * same batch sees it).
   */
  refusal(
    chunk: UploadResultsRequest,
    payloadBase64: string,
    usage: Map<string, CommandUsage>,
  ): string | null {
    const { maxChunksPerCommand, maxBytesPerCommand } = this.config.limits;
    if (chunk.totalChunks > maxChunksPerCommand)
      return `command ${chunk.commandId}: total_chunks ${chunk.totalChunks} is over the limit of ${maxChunksPerCommand} chunks per command (RESULT_MAX_CHUNKS_PER_COMMAND); no more of its results are stored`;
    const used = usage.get(chunk.commandId) ?? { chunks: 0, bytes: 0 };
    const bytes = Math.floor((payloadBase64.length * 3) / 4);
    if (used.bytes + bytes > maxBytesPerCommand)
      return `command ${chunk.commandId}: its results would take ${Math.ceil((used.bytes + bytes) / MB)} MB, over the limit of ${Math.round(maxBytesPerCommand / MB)} MB per command (RESULT_MAX_MB_PER_COMMAND); no more of its results are stored`;
    usage.set(chunk.commandId, { chunks: used.chunks + 1, bytes: used.bytes + bytes });
    return null;
  }

  /** The error the agent gets: FAILED_PRECONDITION, so it sets the chunk aside instead of retrying. */
  error(reason: string): DomainException {
    return new DomainException(DomainErrorCode.FailedPrecondition, reason);
  }

  /** After the uploads' transaction: each refused command fails (if it still can) and the refusal is audited once. */
  async apply(refusals: readonly LimitRefusal[]): Promise<void> {
    for (const refusal of refusals) {
      if (this.recorded.has(refusal.commandId)) continue;
      if (this.recorded.size >= REMEMBERED_REFUSALS) this.recorded.clear();
      this.recorded.add(refusal.commandId);
      try {
        const failed = await this.commands.failForRefusedResults(
          refusal.commandId,
          refusal.agentId,
          `the controller refused its results: ${refusal.reason}`,
        );
        await this.audit.record({
          actor: 'system',
          action: 'results.refused',
          hostId: refusal.hostId,
          details: {
            commandId: refusal.commandId,
            agentId: refusal.agentId,
            reason: refusal.reason,
            commandFailed: failed,
          },
        });
        this.logger.warn(
          { ...refusal, commandFailed: failed },
          'result upload over a per-command limit refused',
        );
      } catch (error) {
        this.recorded.delete(refusal.commandId);
        this.logger.warn(
          {
            commandId: refusal.commandId,
            err: error instanceof Error ? error.message : String(error),
          },
          'could not record a refused result upload',
        );
      }
    }
  }
}
