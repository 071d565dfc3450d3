import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ClusterRouter } from '../cluster/cluster-router.service';
import { CommandEntity, CommandStateName } from '../commands/command.entity';
import { TransactionService } from '../database/transaction.service';
import { CampaignCommandRow, CampaignsRepository } from './campaigns.repository';

const CHUNK = 500;

/**
 * Cancels and expires a campaign's commands. The core's CommandsService has no cancel() or
 * public expire() yet (asked for in the report), so this applies the same guarded transition
 * it uses (UPDATE ... WHERE state = <old>) and the same audit actions, in chunks.
 */
@Injectable()
export class CampaignCommandsAdapter {
  constructor(
    private readonly repo: CampaignsRepository,
    private readonly tx: TransactionService,
    private readonly audit: AuditService,
    private readonly router: ClusterRouter,
  ) {}

  /** Queued/delivered commands become cancelled; agents that hold or run one are told to stop. */
  async cancel(
    campaignId: string,
    actor: string,
  ): Promise<{ cancelled: number; stopRequested: number }> {
    const rows = await this.repo.commandsInStates(campaignId, ['queued', 'delivered', 'started']);
    const pending = rows.filter((r) => r.state !== 'started');
    const cancelled = await this.transition(pending, 'cancelled', actor, { campaignId });
    const told = rows.filter((r) => r.state !== 'queued');
    await Promise.allSettled(
      told.map((r) =>
        this.router.push(r.agentId, {
          kind: { $case: 'cancel', value: { commandId: r.commandId } },
        }),
      ),
    );
    return { cancelled, stopRequested: told.length };
  }

  /** Commands never started before their expiry become expired. */
  async expireOverdue(campaignId: string, now: Date): Promise<number> {
    const rows = await this.repo.commandsInStates(campaignId, ['queued', 'delivered'], {
      expiredAt: now,
    });
    return this.transition(rows, 'expired', 'system', { campaignId });
  }

  /** Cancels one command (created by a dispatch that raced with a cancel). */
  async cancelOne(row: CampaignCommandRow, actor: string, campaignId: string): Promise<void> {
    await this.transition([row], 'cancelled', actor, { campaignId });
  }

  private async transition(
    rows: CampaignCommandRow[],
    to: 'cancelled' | 'expired',
    actor: string,
    details: Record<string, unknown>,
  ): Promise<number> {
    let moved = 0;
    const column = to === 'cancelled' ? 'cancelledAt' : 'expiredAt';
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      moved += await this.tx.run(async (manager) => {
        const commands = manager.getRepository(CommandEntity);
        const now = new Date();
        let count = 0;
        for (const from of ['queued', 'delivered'] as const satisfies readonly CommandStateName[]) {
          const ids = chunk.filter((r) => r.state === from).map((r) => r.commandId);
          if (ids.length === 0) continue;
          const current = await commands.find({
            where: { id: In(ids), state: from },
            select: { id: true, hostId: true },
          });
          if (current.length === 0) continue;
          await commands.update(
            { id: In(current.map((c) => c.id)), state: from },
            { state: to, [column]: now },
          );
          for (const command of current) {
            await this.audit.record(
              {
                actor,
                action: `command.${to}`,
                hostId: command.hostId,
                details: { ...details, commandId: command.id, from },
              },
              manager,
            );
          }
          count += current.length;
        }
        return count;
      });
    }
    return moved;
  }
}
