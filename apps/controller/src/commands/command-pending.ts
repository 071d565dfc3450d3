import { Injectable } from '@nestjs/common';
import type { Command } from '@log4fleet/contracts';
import { MicroBatcher, Settled } from '../common/micro-batcher';
import { CommandEntity } from './command.entity';
import { CommandEndings } from './command-endings';
import { EXPIRABLE_STATES, RESENT_STATES } from './command-state';
import { toProtoCommand } from './commands.mapper';
import { CommandsRepository } from './commands.repository';

const MAX_PENDING_PUSH = 100;
/** Agents whose pending commands are read together at most. */
const PENDING_BATCH = 200;

/**
 * What a (re)connecting agent missed (RESENT_STATES): the agents that connect together are
 * looked up together; the commands found expired are marked so.
 */
@Injectable()
export class CommandPending {
  private readonly pending = new MicroBatcher<string, Command[]>(
    (agentIds) => this.pendingOf(agentIds),
    PENDING_BATCH,
  );

  constructor(
    private readonly repo: CommandsRepository,
    private readonly endings: CommandEndings,
  ) {}

  /** An agent's commands to send, oldest first (CommandsService.pendingFor). */
  pendingFor(agentId: string): Promise<Command[]> {
    return this.pending.submit(agentId);
  }

  private async pendingOf(agentIds: string[]): Promise<Array<Settled<Command[]>>> {
    const rows = await this.repo.ofAgents(agentIds, RESENT_STATES);
    const now = Date.now();
    // A started command past its expiry is sent all the same: the agent that was running it
    // reports how it ended (or that it expired before it could run it again).
    const overdue = (row: CommandEntity) =>
      row.state !== 'started' && row.expiresAt.getTime() <= now;
    await this.endings.end(
      rows.filter(overdue).map((c) => c.id),
      'expired',
      'system',
      {},
      EXPIRABLE_STATES,
    );
    const byAgent = new Map<string, Command[]>();
    for (const row of rows) {
      if (overdue(row)) continue;
      const list = byAgent.get(row.agentId) ?? [];
      if (list.length < MAX_PENDING_PUSH) list.push(toProtoCommand(row));
      byAgent.set(row.agentId, list);
    }
    return agentIds.map((id) => ({ ok: true, value: byAgent.get(id) ?? [] }));
  }
}
