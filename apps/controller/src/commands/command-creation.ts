import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AgentsService } from '../agents/agents.service';
import { AuditService } from '../audit/audit.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { toJson } from '../common/json-column';
import { Settled } from '../common/micro-batcher';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { TransactionService } from '../database/transaction.service';
import { CommandEntity } from './command.entity';
import { CommandDto } from './commands.dto';
import { toCommandDto } from './commands.mapper';
import { CommandsRepository, newCommandRow } from './commands.repository';
import type { CommandRequest } from './kinds';

export interface CreateOptions {
  /** The command's id, chosen by the caller (a retried job derives it from its own key). */
  commandId?: string;
  /** Seconds after which the agent must not start it; the controller's default otherwise. */
  expiresInSeconds?: number;
}

export interface ManualRemediation {
  method: string;
  note: string;
  ticket?: string;
}

/**
 * Creates command rows, of any kind, many at once (a campaign's batch is a few statements), and
 * the rows of remediations done by hand.
 */
@Injectable()
export class CommandCreation {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly agents: AgentsService,
    private readonly audit: AuditService,
    private readonly repo: CommandsRepository,
    private readonly tx: TransactionService,
  ) {}

  /**
   * One command per host, of one kind with the same parameters, in the caller's transaction: a few
   * statements for the whole list. A host whose command (by its chosen id) exists already gets
   * it back as it is (`entity` null: created and pushed once); a host that does not exist, or has
   * no active agent, gets its own error, the others their commands.
   */
  async createRows(
    targets: ReadonlyArray<{ hostId: string; commandId: string }>,
    request: CommandRequest,
    actor: string,
    options: Pick<CreateOptions, 'expiresInSeconds'> = {},
  ): Promise<Array<Settled<{ dto: CommandDto; entity: CommandEntity | null }>>> {
    const existing = new Map(
      (await this.repo.byIds(targets.map((t) => t.commandId))).map((c) => [c.id, c]),
    );
    const fresh = targets.filter((t) => !existing.has(t.commandId));
    const agentOf = await this.agents.activeAgentsOf(fresh.map((t) => t.hostId));
    const now = new Date();
    const expiresAt = new Date(
      now.getTime() + (options.expiresInSeconds ?? this.config.commandTtlS) * 1000,
    );
    const payload = toJson(request.params);
    const created: CommandEntity[] = [];
    const outcomes = targets.map(
      (t): Settled<{ dto: CommandDto; entity: CommandEntity | null }> => {
        const found = existing.get(t.commandId);
        if (found) {
          if (found.hostId !== t.hostId)
            return {
              ok: false,
              error: new DomainException(
                DomainErrorCode.Conflict,
                `command ${t.commandId} exists already for another host`,
              ),
            };
          return {
            ok: true,
            value: { dto: { ...toCommandDto(found), pushed: false }, entity: null },
          };
        }
        const agentId = agentOf.get(t.hostId);
        if (agentId === undefined)
          return { ok: false, error: DomainException.notFound('host', t.hostId) };
        if (agentId === null)
          return {
            ok: false,
            error: new DomainException(
              DomainErrorCode.FailedPrecondition,
              `host ${t.hostId} has no active agent to run a ${request.kind}`,
            ),
          };
        const entity = newCommandRow({
          id: t.commandId,
          hostId: t.hostId,
          agentId,
          kind: request.kind,
          payload,
          state: 'queued',
          createdBy: actor,
          createdAt: now,
          expiresAt,
        });
        existing.set(t.commandId, entity); // the same id twice in one list: created once
        created.push(entity);
        return { ok: true, value: { dto: { ...toCommandDto(entity), pushed: false }, entity } };
      },
    );
    await this.repo.insertMany(created);
    await this.audit.recordMany(
      created.map((c) => ({
        actor,
        action: 'command.created',
        hostId: c.hostId,
        details: { commandId: c.id, kind: c.kind, agentId: c.agentId },
      })),
    );
    return outcomes;
  }

  /**
   * A remediation done by hand recorded as a succeeded 'remediate' command of the host's agent,
   * never pushed (CommandsService.recordManualRemediation). In the caller's unit of work.
   */
  async recordManualRemediation(
    hostId: string,
    remediation: ManualRemediation,
    actor: string,
  ): Promise<CommandEntity> {
    const agentId = await this.agents.activeAgentOf(hostId);
    if (!agentId)
      throw new DomainException(
        DomainErrorCode.FailedPrecondition,
        `host ${hostId} has no active agent to verify a remediation with a rescan`,
      );
    const now = new Date();
    const entity = newCommandRow({
      id: randomUUID(),
      hostId,
      agentId,
      kind: 'remediate',
      payload: toJson({ manual: true, ...remediation }),
      state: 'succeeded',
      message: remediation.note,
      createdBy: actor,
      createdAt: now,
      expiresAt: now,
      succeededAt: now,
    });
    await this.repo.insert(entity);
    await this.audit.record({
      actor,
      action: 'remediation.recorded',
      hostId,
      details: { commandId: entity.id, manual: true, ...remediation },
    });
    return entity;
  }
}
