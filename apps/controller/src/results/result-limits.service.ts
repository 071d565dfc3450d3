import { Inject, Injectable } from '@nestjs/common';
import type { UploadResultsRequest } from '@log4fleet/contracts';
import { AuditService } from '../audit/audit.service';
import { CommandsService } from '../commands/commands.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { loggerFor } from '../common/logger';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ResultChunksRepository } from './result-chunks.repository';

const MB = 1024 * 1024;
const HOUR_MS = 3_600_000;

/** Bytes of a protobuf stored base64 in `chars` characters. */
const bytesOfBase64 = (chars: number): number => Math.floor((chars * 3) / 4);
/** Commands whose refusal this process already recorded (an agent retrying does not flood the audit log). */
const REMEMBERED_REFUSALS = 10_000;

/** What one command's results already take in result_chunks. */
export interface CommandUsage {
  chunks: number;
  /** Bytes of the stored chunks (their protobuf, as stored in base64: 4 characters per 3 bytes). */
  bytes: number;
}

export interface UploadUsage {
  commands: Map<string, CommandUsage>;
  /** Bytes of result chunks each agent uploaded over the last hour. */
  agentsLastHour: Map<string, number>;
}

/** An upload refused by a per-command limit: the command fails with the reason, after the commit. */
export interface LimitRefusal {
  agentId: string;
  hostId: string;
  commandId: string;
  reason: string;
}

/**
 * Bounds on what one agent can make the controller store: per command RESULT_MAX_CHUNKS_PER_COMMAND
 * (total_chunks) and RESULT_MAX_MB_PER_COMMAND (bytes stored), past which an upload is refused
 * with FAILED_PRECONDITION (the agent sets the chunk aside instead of retrying it) and the
 * command fails with the reason, which the admin sees on the command and in the audit log; and
 * per agent RESULT_MAX_MB_PER_AGENT_HOUR, past which uploads wait (RESOURCE_EXHAUSTED).
 */
@Injectable()
export class ResultLimits {
  private readonly logger = loggerFor(ResultLimits.name);
  private readonly recorded = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly commands: CommandsService,
    private readonly audit: AuditService,
    private readonly chunks: ResultChunksRepository,
  ) {}

  /**
   * What the commands and agents of a batch of uploads already take: chunks and bytes per command,
   * bytes per agent over the last hour (two grouped statements, ResultChunksRepository). In the
   * caller's unit of work.
   */
  async usage(
    uploads: ReadonlyArray<{ agentId: string; commandId: string }>,
    now = Date.now(),
  ): Promise<UploadUsage> {
    const usage: UploadUsage = { commands: new Map(), agentsLastHour: new Map() };
    const commandIds = [...new Set(uploads.map((u) => u.commandId))];
    const agentIds = [...new Set(uploads.map((u) => u.agentId))];
    if (commandIds.length === 0) return usage;
    for (const [commandId, used] of await this.chunks.usageByCommand(commandIds))
      usage.commands.set(commandId, { chunks: used.chunks, bytes: bytesOfBase64(used.chars) });
    const since = new Date(now - HOUR_MS).toISOString();
    for (const [agentId, chars] of await this.chunks.charsByAgentSince(agentIds, since))
      usage.agentsLastHour.set(agentId, bytesOfBase64(chars));
    return usage;
  }

  /**
   * Why this chunk may not be stored, or null (then `usage` counts it, for the next upload of the
   * same batch). Over a per-command limit: FAILED_PRECONDITION (the agent sets the chunk aside)
   * and a refusal that fails the command. Over the agent's hourly budget: RESOURCE_EXHAUSTED (the
   * agent keeps the chunk and retries later), the command goes on.
   */
  check(
    agentId: string,
    hostId: string,
    chunk: UploadResultsRequest,
    payloadBase64: string,
    usage: UploadUsage,
  ): { error: DomainException; refusal: LimitRefusal | null } | null {
    const { maxChunksPerCommand, maxBytesPerCommand, maxBytesPerAgentHour } = this.config.limits;
    const commandId = chunk.commandId;
    const used = usage.commands.get(commandId) ?? { chunks: 0, bytes: 0 };
    const bytes = bytesOfBase64(payloadBase64.length);
    let reason: string | null = null;
    if (chunk.totalChunks > maxChunksPerCommand)
      reason = `command ${commandId}: total_chunks ${chunk.totalChunks} is over the limit of ${maxChunksPerCommand} chunks per command (RESULT_MAX_CHUNKS_PER_COMMAND); no more of its results are stored`;
    else if (used.bytes + bytes > maxBytesPerCommand)
      reason = `command ${commandId}: its results would take ${Math.ceil((used.bytes + bytes) / MB)} MB, over the limit of ${Math.round(maxBytesPerCommand / MB)} MB per command (RESULT_MAX_MB_PER_COMMAND); no more of its results are stored`;
    if (reason)
      return {
        error: new DomainException(DomainErrorCode.FailedPrecondition, reason),
        refusal: { agentId, hostId, commandId, reason },
      };
    const agentBytes = usage.agentsLastHour.get(agentId) ?? 0;
    if (agentBytes > 0 && agentBytes + bytes > maxBytesPerAgentHour)
      return {
        error: new DomainException(
          DomainErrorCode.ResourceExhausted,
          `agent ${agentId} uploaded ${Math.ceil(agentBytes / MB)} MB of results in the last hour (at most ${Math.round(maxBytesPerAgentHour / MB)} MB, RESULT_MAX_MB_PER_AGENT_HOUR); keep the chunk and retry later`,
        ),
        refusal: null,
      };
    usage.commands.set(commandId, { chunks: used.chunks + 1, bytes: used.bytes + bytes });
    usage.agentsLastHour.set(agentId, agentBytes + bytes);
    return null;
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
