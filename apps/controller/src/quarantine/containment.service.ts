import { Injectable, OnModuleInit } from '@nestjs/common';
import type { ContainmentReport } from '@log4fleet/contracts';
import type { AgentPrincipal } from '../agents/agents.dto';
import { CommandDto } from '../commands/commands.dto';
import { CommandsService, type CommandMoved } from '../commands/commands.service';
import type { CommandRequest } from '../commands/kinds';
import { loggerFor } from '../common/logger';
import { TransactionService } from '../database/transaction.service';
import { HostsService } from '../hosts/hosts.service';
import { containmentAfter, type ContainmentOutcome } from './containment-rule';

export interface ContainmentRequest {
  hostId: string;
  request: Extract<CommandRequest, { kind: 'quarantine' | 'release' }>;
  actor: string;
  reason?: string;
  ticket?: string;
  expiresInSeconds?: number;
  /** The command's id, when the caller derives it (a policy acting once per cause). */
  commandId?: string;
}

const CONTAINMENT_KINDS: ReadonlySet<string> = new Set(['quarantine', 'release']);

/**
 * A host's containment (DESIGN: quarantine): requests create the kind's command, and what is
 * true on the host follows the agent's reports: the command's states, its results (evidence),
 * and the tampering the agent finds at its heartbeats. Every step is a `containment.<state>`
 * audit event with actor and evidence (HostsService.setContainment).
 */
@Injectable()
export class ContainmentService implements OnModuleInit {
  private readonly logger = loggerFor(ContainmentService.name);

  constructor(
    private readonly tx: TransactionService,
    private readonly commands: CommandsService,
    private readonly hosts: HostsService,
  ) {}

  onModuleInit(): void {
    this.commands.onCommandMoved((moved) => this.onCommandMoved(moved));
  }

  /** Creates the command, records `requested` with the reason and ticket, then pushes it. */
  async request(req: ContainmentRequest): Promise<CommandDto> {
    const created = await this.commands.createRow(req.hostId, req.request, req.actor, {
      expiresInSeconds: req.expiresInSeconds,
      ...(req.commandId ? { commandId: req.commandId } : {}),
    });
    if (!created.entity) return created.dto;
    const mode = req.request.kind === 'quarantine' ? req.request.params.mode : undefined;
    await this.tx.run(() =>
      this.hosts.setContainment(
        req.hostId,
        {
          ...this.change({ kind: req.request.kind, event: 'requested' }, null)!,
          commandId: created.dto.id,
          ...(mode ? { mode } : {}),
          detail: {
            kind: req.request.kind,
            params: req.request.params,
            ...(req.reason ? { reason: req.reason } : {}),
            ...(req.ticket ? { ticket: req.ticket } : {}),
          },
        },
        req.actor,
      ),
    );
    const deliveredTo = await this.commands.push(created.entity);
    return { ...created.dto, pushed: deliveredTo === 'local', deliveredTo };
  }

  /**
   * A containment command's results, complete, inside the ingestion's transaction: verified
   * (with the evidence), failed (with the reason), released.
   */
  async onResults(
    command: { id: string; hostId: string; agentId: string; kind: 'quarantine' | 'release' },
    state: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    const host = await this.hosts.require(command.hostId);
    if (!(await this.isCurrent(command.id, host.containmentCommandId))) return;
    const next = this.change({ kind: command.kind, event: 'results', state }, host.containment);
    if (!next) return;
    await this.hosts.setContainment(
      command.hostId,
      { ...next, commandId: command.id, detail: { kind: command.kind, ...detail } },
      command.agentId,
    );
  }

  /** The agent found its table removed or changed (and put it back), or could not put it back. */
  async onReport(principal: AgentPrincipal, report: ContainmentReport): Promise<void> {
    const state = report.state === 'tampered' ? 'tampered' : 'failed';
    await this.tx.run(() =>
      this.hosts.setContainment(
        principal.hostId,
        {
          state,
          detail: {
            report: report.state,
            kind: report.kind,
            detail: report.detail,
            rulesetHash: report.rulesetHash,
            at: new Date(report.atMs).toISOString(),
            ...(state === 'tampered' ? { restoredByAgent: true } : {}),
          },
        },
        principal.agentId,
      ),
    );
    this.logger.warn({ hostId: principal.hostId, report }, 'containment report from the agent');
  }

  private async onCommandMoved(moved: CommandMoved): Promise<void> {
    if (!CONTAINMENT_KINDS.has(moved.kind)) return;
    if (!['succeeded', 'failed', 'expired', 'cancelled'].includes(moved.state)) return;
    const kind = moved.kind as 'quarantine' | 'release';
    await this.tx.run(async () => {
      const host = await this.hosts.require(moved.hostId);
      if (!(await this.isCurrent(moved.commandId, host.containmentCommandId))) return;
      const event = moved.state as 'succeeded' | 'failed' | 'expired' | 'cancelled';
      const next = this.change({ kind, event }, host.containment);
      if (!next) return;
      await this.hosts.setContainment(
        moved.hostId,
        {
          ...next,
          commandId: moved.commandId,
          detail: {
            kind,
            command: moved.state,
            ...(moved.message ? { reason: moved.message } : {}),
          },
        },
        'system',
      );
    });
  }

  private change(outcome: ContainmentOutcome, current: Parameters<typeof containmentAfter>[1]) {
    return containmentAfter(outcome, current);
  }

  /**
   * The host's containment follows its newest containment command: an older command's late
   * outcome (a campaign's, an outbox's) never overrides a newer request.
   */
  private async isCurrent(commandId: string, currentId: string | null): Promise<boolean> {
    if (!currentId || currentId === commandId) return true;
    const [mine, current] = await Promise.all([
      this.commands.get(commandId),
      this.commands.get(currentId).catch(() => null),
    ]);
    return !current || mine.createdAt >= current.createdAt;
  }
}
