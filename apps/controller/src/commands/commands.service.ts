import { loggerFor } from '../common/logger';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import type { Command } from '@log4fleet/contracts';
import { AgentsService } from '../agents/agents.service';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { toJson } from '../common/json-column';
import { CommandDelivery, DeliveredTo } from '../cluster/command-delivery.service';
import { bulkInsert } from '../database/bulk-insert';
import { isoOrNull } from '../database/column-types';
import {
  lockEntities,
  placeholders,
  rawQuery,
  selectByIds,
  updateFromValues,
} from '../database/raw-query';
import { MicroBatcher, Settled } from '../common/micro-batcher';
import { AuditRecord } from '../audit/audit.dto';
import { isUniqueViolation, TransactionService } from '../database/transaction.service';
import { HostsService } from '../hosts/hosts.service';
import { CommandEntity, CommandKind, CommandStateName } from './command.entity';
import { canMoveTo } from './command-state';
import { CommandDto, CommandUpdateInput } from './commands.dto';
import type { CommandRequest } from './kinds';
import { STATE_COLUMN, toCommandDto, toProtoCommand } from './commands.mapper';

const PENDING_STATES = ['queued', 'delivered'] as const;
/**
 * What a (re)connecting agent is sent: the commands not started yet, and the ones it started
 * and never finished as far as the controller knows (an agent restart interrupted them: the agent
 * runs them again; one it finished is acknowledged from its executed log, one it still runs is
 * acknowledged as started).
 */
const RESENT_STATES = [...PENDING_STATES, 'started'] as const;
/** States expiry ends: a started command whose agent never finished it expires too. */
const EXPIRABLE_STATES = [...RESENT_STATES] as const;
/** States a command whose results the controller refused may fail from. */
const RESULTS_REFUSABLE_STATES = ['queued', 'delivered', 'started', 'succeeded'] as const;
const MAX_PENDING_PUSH = 100;
/** Agents whose pending commands are read together at most. */
const PENDING_BATCH = 200;
/** Agent reports applied per transaction at most. */
const UPDATE_BATCH = 200;
/** Commands moved per transaction by cancelMany/expireMany. */
const TRANSITION_BATCH = 500;
/** Changes to a host that a rescan verifies once they succeeded (DESIGN: "then verified"). */
export const VERIFIABLE_KINDS: readonly CommandKind[] = ['remediate', 'quarantine'];

/** A command that changed a host and succeeded: a verification rescan is due. */
export interface VerifiableSuccess {
  commandId: string;
  hostId: string;
  kind: CommandKind;
}

/** NotFound for a report or an upload naming a command its agent does not have. */
export function unknownCommand(commandId: string, agentId: string): DomainException {
  return DomainException.notFound('command', `${commandId} of agent ${agentId}`);
}

/** What result uploads and their ingestion read of a command (timestamps as stored: ISO strings). */
export interface ResultCommand {
  id: string;
  hostId: string;
  agentId: string;
  kind: CommandKind;
  state: CommandStateName;
  totalChunks: number | null;
  createdAt: string;
  startedAt: string | null;
}

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

@Injectable()
export class CommandsService {
  private readonly logger = loggerFor(CommandsService.name);

  private readonly updates = new MicroBatcher<
    { agentId: string; update: CommandUpdateInput },
    { hostId: string; kind: CommandKind } | null
  >((items) => this.tx.run((manager) => this.moveCommands(items, manager)), UPDATE_BATCH);

  private readonly pending = new MicroBatcher<string, Command[]>(
    (agentIds) => this.pendingOf(agentIds),
    PENDING_BATCH,
  );

  private readonly successListeners: Array<(success: VerifiableSuccess) => Promise<void>> = [];

  constructor(
    @InjectRepository(CommandEntity) private readonly commands: Repository<CommandEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly hosts: HostsService,
    private readonly agents: AgentsService,
    private readonly delivery: CommandDelivery,
    private readonly audit: AuditService,
    private readonly tx: TransactionService,
  ) {}

  /**
   * The command is a row first; the push to a connected agent is only a hint. A caller may choose
   * the command's id (a retried job derives it from its own key): when a command with that id
   * exists already for the host, it is returned as it is, created and pushed once.
   */
  async create(
    hostId: string,
    request: CommandRequest,
    actor: string,
    options: CreateOptions = {},
  ): Promise<CommandDto> {
    const created = await this.createRow(hostId, request, actor, options);
    if (!created.entity) return created.dto;
    const deliveredTo = await this.push(created.entity);
    return { ...created.dto, pushed: deliveredTo === 'local', deliveredTo };
  }

  /**
   * create without the push, for callers that push once their transaction committed
   * (`entity` is null when the command existed already).
   */
  async createRow(
    hostId: string,
    request: CommandRequest,
    actor: string,
    options: CreateOptions = {},
  ): Promise<{ dto: CommandDto; entity: CommandEntity | null }> {
    const target = { hostId, commandId: options.commandId ?? randomUUID() };
    const create = () =>
      this.tx.batched(() =>
        this.createRows([target], request, actor, this.commands.manager, options),
      );
    let outcome;
    try {
      [outcome] = await create();
    } catch (error) {
      // Two attempts with one chosen id at once: the other one created it, this one gets it.
      if (!options.commandId || !isUniqueViolation(error)) throw error;
      [outcome] = await create();
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

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
    manager: EntityManager,
    options: Pick<CreateOptions, 'expiresInSeconds'> = {},
  ): Promise<Array<Settled<{ dto: CommandDto; entity: CommandEntity | null }>>> {
    const repo = manager.getRepository(CommandEntity);
    const existing = new Map(
      (await repo.findBy({ id: In(targets.map((t) => t.commandId)) })).map((c) => [c.id, c]),
    );
    const fresh = targets.filter((t) => !existing.has(t.commandId));
    const agentOf = await this.agents.activeAgentsOf(
      fresh.map((t) => t.hostId),
      manager,
    );
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
    await bulkInsert(manager, 'commands', COMMAND_COLUMNS, created.map(commandRow));
    await this.audit.recordMany(
      created.map((c) => ({
        actor,
        action: 'command.created',
        hostId: c.hostId,
        details: { commandId: c.id, kind: c.kind, agentId: c.agentId },
      })),
      manager,
    );
    return outcomes;
  }

  /**
   * The hint to the agent's open stream, on this or another controller process: every command of
   * every kind is pushed through here (built by toProtoCommand). Never throws.
   */
  push(entity: CommandEntity): Promise<DeliveredTo> {
    return this.delivery.deliver(entity.agentId, {
      kind: { $case: 'command', value: toProtoCommand(entity) },
    });
  }

  /**
   * An operator's cancel (REST): a command not finished yet (queued, delivered or started) ends
   * cancelled here at once, and an agent that holds it is told to drop it or stop it (wherever
   * its stream is). A finished command is a conflict.
   */
  async cancelByOperator(commandId: string, actor: string): Promise<CommandDto> {
    const before = await this.commands.findOneBy({ id: commandId });
    if (!before) throw DomainException.notFound('command', commandId);
    const moved = await this.endCommands([commandId], 'cancelled', actor, {}, RESENT_STATES);
    if (moved === 0)
      throw new DomainException(
        DomainErrorCode.Conflict,
        `command ${commandId} is ${(await this.get(commandId)).state}: it cannot be cancelled`,
      );
    if (before.state !== 'queued')
      await this.delivery.deliver(before.agentId, {
        kind: { $case: 'cancel', value: { commandId } },
      });
    return this.get(commandId);
  }

  /**
   * Cancels a command that has not started yet (queued or delivered); a command in any other
   * state is left as it is. Returns whether it was cancelled (audit: command.cancelled).
   */
  async cancel(
    commandId: string,
    actor: string,
    context: Record<string, unknown> = {},
  ): Promise<boolean> {
    return (await this.cancelMany([commandId], actor, context)) === 1;
  }

  /**
   * Expires a command that has not finished (queued, delivered, or started and never reported
   * finished); audit: command.expired.
   */
  async expire(commandId: string, context: Record<string, unknown> = {}): Promise<boolean> {
    return (await this.expireMany([commandId], context)) === 1;
  }

  /** cancel() for many commands (a campaign's), in transactions of a bounded size; returns how many moved. */
  cancelMany(
    commandIds: readonly string[],
    actor: string,
    context: Record<string, unknown> = {},
  ): Promise<number> {
    return this.endCommands(commandIds, 'cancelled', actor, context, PENDING_STATES);
  }

  expireMany(
    commandIds: readonly string[],
    context: Record<string, unknown> = {},
  ): Promise<number> {
    return this.endCommands(commandIds, 'expired', 'system', context, EXPIRABLE_STATES);
  }

  async get(id: string): Promise<CommandDto> {
    const entity = await this.commands.findOneBy({ id });
    if (!entity) throw DomainException.notFound('command', id);
    return toCommandDto(entity);
  }

  async listForHost(hostId: string): Promise<CommandDto[]> {
    await this.hosts.require(hostId);
    const rows = await this.commands.find({
      where: { hostId },
      order: { createdAt: 'DESC' },
      take: 200,
    });
    return rows.map(toCommandDto);
  }

  /**
   * A host's new agent takes over the commands its revoked agents had not started (queued, or
   * delivered to an agent that can no longer report on them): the same ids, so that campaigns and
   * callers keep following them, queued again for the new agent, which receives them when it
   * connects. Runs in the enrollment's transaction; audit: command.reassigned. Returns how many.
   */
  async reassignPending(
    hostId: string,
    toAgentId: string,
    manager: EntityManager,
  ): Promise<number> {
    const { rows } = await rawQuery<{ id: string; agent_id: string; state: CommandStateName }>(
      manager,
      `SELECT id, agent_id, state FROM commands
       WHERE host_id = $1 AND agent_id <> $2 AND state IN ($3, $4) AND expires_at > $5`,
      [hostId, toAgentId, ...PENDING_STATES, new Date().toISOString()],
    );
    let moved = 0;
    for (const row of rows) {
      const { affected } = await rawQuery(
        manager,
        `UPDATE commands SET agent_id = $1, state = $2, delivered_at = NULL
         WHERE id = $3 AND state = $4`,
        [toAgentId, 'queued', row.id, row.state],
      );
      if (!affected) continue;
      await this.audit.record(
        {
          actor: 'system',
          action: 'command.reassigned',
          hostId,
          details: { commandId: row.id, fromAgentId: row.agent_id, toAgentId, from: row.state },
        },
        manager,
      );
      moved++;
    }
    return moved;
  }

  /**
   * What a (re)connecting agent missed: queued or delivered-but-not-started, not expired, oldest
   * first. Expired ones are marked. The agents that connect together are looked up together.
   */
  pendingFor(agentId: string): Promise<Command[]> {
    return this.pending.submit(agentId);
  }

  private async pendingOf(agentIds: string[]): Promise<Array<Settled<Command[]>>> {
    const rows = await this.commands.find({
      where: { agentId: In([...new Set(agentIds)]), state: In([...RESENT_STATES]) },
      order: { createdAt: 'ASC' },
    });
    const now = Date.now();
    // A started command past its expiry is sent all the same: the agent that was running it
    // reports how it ended (or that it expired before it could run it again).
    const overdue = (row: CommandEntity) =>
      row.state !== 'started' && row.expiresAt.getTime() <= now;
    await this.expireMany(rows.filter(overdue).map((c) => c.id));
    const byAgent = new Map<string, Command[]>();
    for (const row of rows) {
      if (overdue(row)) continue;
      const list = byAgent.get(row.agentId) ?? [];
      if (list.length < MAX_PENDING_PUSH) list.push(toProtoCommand(row));
      byAgent.set(row.agentId, list);
    }
    return agentIds.map((id) => ({ ok: true, value: byAgent.get(id) ?? [] }));
  }

  /**
   * Applies an agent's report; stale or backward reports are ignored, not errors. Returns whether
   * the command moved. Every agent sends three of these per command: the reports that arrive
   * together (from all agents) are applied in one transaction, in the order they arrived.
   */
  async applyUpdate(agentId: string, update: CommandUpdateInput): Promise<boolean> {
    const moved = await this.updates.submit({ agentId, update });
    if (!moved) return false;
    if (update.state === 'succeeded' && VERIFIABLE_KINDS.includes(moved.kind))
      await this.notifySuccess({
        commandId: update.commandId,
        hostId: moved.hostId,
        kind: moved.kind,
      });
    return true;
  }

  /** Called after a remediation or quarantine succeeded (committed); the verification feature queues a rescan. */
  onVerifiableSuccess(listener: (success: VerifiableSuccess) => Promise<void>): void {
    this.successListeners.push(listener);
  }

  private async notifySuccess(success: VerifiableSuccess): Promise<void> {
    for (const listener of this.successListeners) await listener(success);
  }

  /**
   * A remediation done by hand (a package upgrade, a jar replaced) recorded as a succeeded
   * 'remediate' command of the host's agent, never pushed: the advisory's "record everything done
   * to each asset", and what makes a later clean scan "verified" instead of "who patched it?".
   */
  async recordManualRemediation(
    hostId: string,
    remediation: ManualRemediation,
    actor: string,
    manager: EntityManager,
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
    await manager.getRepository(CommandEntity).insert(entity);
    await this.audit.record(
      {
        actor,
        action: 'remediation.recorded',
        hostId,
        details: { commandId: entity.id, manual: true, ...remediation },
      },
      manager,
    );
    return entity;
  }

  /**
   * The verdict of a scan on the host's succeeded remediations: verified when the host came out
   * clean, failed when log4j is still vulnerable (the remediation then no longer counts).
   */
  async settleRemediations(
    hostId: string,
    verified: boolean,
    scanRunId: string,
    actor: string,
    manager: EntityManager,
  ): Promise<void> {
    const repo = manager.getRepository(CommandEntity);
    const open = await repo.find({
      where: { hostId, kind: 'remediate', state: 'succeeded' },
      select: { id: true },
    });
    const now = new Date();
    for (const { id } of open) {
      const patch: Partial<CommandEntity> = verified
        ? { state: 'verified', verifiedAt: now }
        : {
            state: 'failed',
            failedAt: now,
            message: `the verification scan ${scanRunId} still found vulnerable log4j`,
          };
      const moved = await repo.update({ id, state: 'succeeded' }, patch);
      if (!moved.affected) continue;
      await this.audit.record(
        {
          actor,
          action: verified ? 'command.verified' : 'command.verification_failed',
          hostId,
          details: { commandId: id, from: 'succeeded', scanRunId },
        },
        manager,
      );
    }
  }

  /** Plain SQL: one read of the batch's commands, a guarded UPDATE per target state, one audit INSERT. */
  private async moveCommands(
    items: ReadonlyArray<{ agentId: string; update: CommandUpdateInput }>,
    manager: EntityManager,
  ): Promise<Array<Settled<{ hostId: string; kind: CommandKind } | null>>> {
    const rows = await selectByIds<{
      id: string;
      agent_id: string;
      host_id: string;
      kind: CommandKind;
      state: CommandStateName;
      total_chunks: number | null;
    }>(
      manager,
      'commands',
      'id, agent_id, host_id, kind, state, total_chunks',
      items.map((i) => i.update.commandId),
      false,
    );
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
        // In id order, as other writers lock commands: concurrent transactions (on PostgreSQL)
        // then wait for each other instead of deadlocking.
        list.sort((x, y) => (x.update.commandId < y.update.commandId ? -1 : 1));
        // The WHERE on the old state makes two racing updates (two processes) apply once.
        const { rows: moved } = await updateFromValues<{ id: string }>(
          manager,
          {
            table: 'commands',
            set: `state = $1, ${STATE_COLUMN[state]} = $2,
              message = COALESCE(v.column3, commands.message),
              total_chunks = COALESCE(CAST(v.column4 AS INTEGER), commands.total_chunks)`,
            where: 'commands.id = v.column1 AND commands.state = v.column2',
            returning: 'id',
          },
          [state, at],
          list.map((m) => [
            m.update.commandId,
            m.previous,
            m.update.message || null,
            m.totalChunks,
          ]),
        );
        const movedIds = new Set(moved.map((m) => m.id));
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
    await this.audit.recordMany(events, manager);
    return outcomes;
  }

  /**
   * The commands results arrive for, by id. With `lock` (PostgreSQL) the uploads and ingestion
   * of one command are serialized for the transaction by an advisory lock, not by locking the
   * command's row, which the agents' reports update meanwhile. SQLite serializes writers anyway.
   */
  async forResults(
    ids: readonly string[],
    manager: EntityManager,
    lock: boolean,
  ): Promise<Map<string, ResultCommand>> {
    if (lock) await lockEntities(manager, 'command-results', ids);
    const rows = await selectByIds<{
      id: string;
      host_id: string;
      agent_id: string;
      kind: CommandKind;
      state: CommandStateName;
      total_chunks: number | null;
      created_at: string;
      started_at: string | null;
    }>(
      manager,
      'commands',
      'id, host_id, agent_id, kind, state, total_chunks, created_at, started_at',
      ids,
      false,
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          hostId: r.host_id,
          agentId: r.agent_id,
          kind: r.kind,
          state: r.state,
          totalChunks: r.total_chunks === null ? null : Number(r.total_chunks),
          createdAt: r.created_at,
          startedAt: r.started_at,
        },
      ]),
    );
  }

  /** The hosts among these on which a change that fixes log4j (a remediation) succeeded. */
  async hostsWithRecordedRemediation(
    hostIds: readonly string[],
    manager: EntityManager,
  ): Promise<Set<string>> {
    if (hostIds.length === 0) return new Set();
    const { rows } = await rawQuery<{ host_id: string }>(
      manager,
      `SELECT DISTINCT host_id FROM commands WHERE kind = 'remediate'
       AND state IN ('succeeded', 'verified') AND host_id IN (${placeholders(hostIds.length)})`,
      hostIds,
    );
    return new Set(rows.map((r) => r.host_id));
  }

  /**
   * The controller refused a command's results (over a per-command limit): the command fails with
   * the reason, also after its agent reported success (its results can never be complete now).
   * Returns whether it moved.
   */
  async failForRefusedResults(
    commandId: string,
    agentId: string,
    reason: string,
  ): Promise<boolean> {
    return this.tx.run(async (manager) => {
      const repo = manager.getRepository(CommandEntity);
      const row = await repo.findOne({
        where: { id: commandId, agentId, state: In([...RESULTS_REFUSABLE_STATES]) },
        select: { id: true, hostId: true, state: true },
      });
      if (!row) return false;
      const result = await repo.update(
        { id: row.id, state: row.state },
        { state: 'failed', failedAt: new Date(), message: reason },
      );
      if (!result.affected) return false;
      await this.audit.record(
        {
          actor: 'system',
          action: 'command.failed',
          hostId: row.hostId,
          details: { commandId, from: row.state, message: reason },
        },
        manager,
      );
      return true;
    });
  }

  /**
   * `from` -> cancelled|expired, one guarded UPDATE per command (WHERE state = <old>): a command
   * that moved meanwhile (an agent started it, another caller ended it) is left alone and not audited.
   */
  private async endCommands(
    commandIds: readonly string[],
    to: 'cancelled' | 'expired',
    actor: string,
    context: Record<string, unknown>,
    from: readonly CommandStateName[],
  ): Promise<number> {
    const column = to === 'cancelled' ? 'cancelledAt' : 'expiredAt';
    let moved = 0;
    for (let i = 0; i < commandIds.length; i += TRANSITION_BATCH) {
      const batch = commandIds.slice(i, i + TRANSITION_BATCH);
      moved += await this.tx.run(async (manager) => {
        const repo = manager.getRepository(CommandEntity);
        const now = new Date();
        const rows = await repo.find({
          where: { id: In(batch), state: In([...from]) },
          select: { id: true, hostId: true, state: true },
        });
        let count = 0;
        for (const row of rows) {
          if (!canMoveTo(row.state, to)) continue;
          const result = await repo.update(
            { id: row.id, state: row.state },
            { state: to, [column]: now },
          );
          if (!result.affected) continue;
          await this.audit.record(
            {
              actor,
              action: `command.${to}`,
              hostId: row.hostId,
              details: { ...context, commandId: row.id, from: row.state },
            },
            manager,
          );
          count++;
        }
        return count;
      });
    }
    return moved;
  }
}

const COMMAND_COLUMNS = [
  'id',
  'host_id',
  'agent_id',
  'kind',
  'payload',
  'state',
  'message',
  'total_chunks',
  'created_by',
  'created_at',
  'expires_at',
  'delivered_at',
  'started_at',
  'succeeded_at',
  'failed_at',
  'verified_at',
  'expired_at',
  'cancelled_at',
];

/** A command's values in COMMAND_COLUMNS order (timestamps as ISO strings, as isoDate stores them). */
function commandRow(c: CommandEntity): unknown[] {
  return [
    c.id,
    c.hostId,
    c.agentId,
    c.kind,
    c.payload,
    c.state,
    c.message,
    c.totalChunks,
    c.createdBy,
    isoOrNull(c.createdAt),
    isoOrNull(c.expiresAt),
    isoOrNull(c.deliveredAt),
    isoOrNull(c.startedAt),
    isoOrNull(c.succeededAt),
    isoOrNull(c.failedAt),
    isoOrNull(c.verifiedAt),
    isoOrNull(c.expiredAt),
    isoOrNull(c.cancelledAt),
  ];
}

/** A command row: the given columns, every other one empty. */
function newCommandRow(
  row: Pick<
    CommandEntity,
    | 'id'
    | 'hostId'
    | 'agentId'
    | 'kind'
    | 'payload'
    | 'state'
    | 'createdBy'
    | 'createdAt'
    | 'expiresAt'
  > &
    Partial<CommandEntity>,
): CommandEntity {
  return {
    message: null,
    totalChunks: null,
    deliveredAt: null,
    startedAt: null,
    succeededAt: null,
    failedAt: null,
    verifiedAt: null,
    expiredAt: null,
    cancelledAt: null,
    ...row,
  };
}
