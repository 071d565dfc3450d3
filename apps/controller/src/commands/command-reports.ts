import { Injectable } from '@nestjs/common';
import { AuditRecord } from '../audit/audit.dto';
import { AuditService } from '../audit/audit.service';
import { loggerFor } from '../common/logger';
import { Settled } from '../common/micro-batcher';
import { CommandKind, CommandStateName } from './command.entity';
import { canMoveTo } from './command-state';
import { CommandUpdateInput } from './commands.dto';
import { STATE_COLUMN } from './commands.mapper';
import { CommandsRepository } from './commands.repository';
import { unknownCommand } from './unknown-command';

/**
 * The agents' reports on their commands (delivered, started, succeeded, failed), applied by the
 * batch: the reports that arrive together, from all agents, in one transaction, in arrival order.
 * Stale or backward reports are ignored, not errors.
 */
@Injectable()
export class CommandReports {
  private readonly logger = loggerFor(CommandReports.name);

  constructor(
    private readonly repo: CommandsRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * Plain SQL: one read of the batch's commands, a guarded UPDATE per target state, one audit
   * INSERT. In the caller's unit of work.
   */
  async apply(
    items: ReadonlyArray<{ agentId: string; update: CommandUpdateInput }>,
  ): Promise<Array<Settled<{ hostId: string; kind: CommandKind } | null>>> {
    const rows = await this.repo.forReports(items.map((i) => i.update.commandId));
    const current = new Map(rows.map((r) => [r.id, r]));
    const events: AuditRecord[] = [];
    const outcomes: Array<Settled<{ hostId: string; kind: CommandKind } | null>> = [];
    const at = new Date().toISOString();
    // The reports of one command apply in arrival order: its k-th report goes in round k.
    let remaining = items.map((item, index) => ({ ...item, index }));
    while (remaining.length > 0) {
      const inRound = new Set<string>();
      const round: typeof remaining = [];
      const later: typeof remaining = [];
      for (const r of remaining) {
        if (inRound.has(r.update.commandId)) later.push(r);
        else {
          inRound.add(r.update.commandId);
          round.push(r);
        }
      }
      const moves = new Map<
        CommandStateName,
        Array<{
          index: number;
          agentId: string;
          update: CommandUpdateInput;
          previous: CommandStateName;
          totalChunks: number | null;
        }>
      >();
      for (const { index, agentId, update } of round) {
        const entity = current.get(update.commandId);
        if (!entity || entity.agent_id !== agentId) {
          outcomes[index] = {
            ok: false,
            error: unknownCommand(update.commandId, agentId),
          };
          continue;
        }
        if (!canMoveTo(entity.state, update.state) || !STATE_COLUMN[update.state]) {
          this.logger.debug(
            { commandId: update.commandId, from: entity.state, to: update.state },
            'ignored a command update that does not move forward',
          );
          outcomes[index] = { ok: true, value: null };
          continue;
        }
        const totalChunks =
          update.state === 'succeeded' && update.totalChunks > 0 && entity.total_chunks === null
            ? update.totalChunks
            : null;
        const list = moves.get(update.state) ?? [];
        list.push({ index, agentId, update, previous: entity.state, totalChunks });
        moves.set(update.state, list);
      }
      for (const [state, list] of moves) {
        const movedIds = await this.repo.moveReported(
          state,
          at,
          list.map((x) => ({
            commandId: x.update.commandId,
            previous: x.previous,
            message: x.update.message || null,
            totalChunks: x.totalChunks,
          })),
        );
        for (const { index, agentId, update, previous, totalChunks } of list) {
          const entity = current.get(update.commandId)!;
          if (!movedIds.has(update.commandId)) {
            outcomes[index] = { ok: true, value: null };
            continue;
          }
          entity.state = state;
          if (totalChunks !== null) entity.total_chunks = totalChunks;
          events.push({
            actor: agentId,
            action: `command.${state}`,
            hostId: entity.host_id,
            details: {
              commandId: update.commandId,
              from: previous,
              message: update.message || undefined,
              agentAtMs: update.atMs || undefined,
            },
          });
          outcomes[index] = { ok: true, value: { hostId: entity.host_id, kind: entity.kind } };
        }
      }
      remaining = later;
    }
    await this.audit.recordMany(events);
    return outcomes;
  }
}
