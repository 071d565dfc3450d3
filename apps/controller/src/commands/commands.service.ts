import { loggerFor } from '../common/logger';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Command } from '@log4fleet/contracts';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { CommandDelivery, DeliveredTo } from '../cluster/command-delivery.service';
import { MicroBatcher, Settled } from '../common/micro-batcher';
import { isUniqueViolation, TransactionService } from '../database/transaction.service';
import { HostsService } from '../hosts/hosts.service';
import { CommandEntity, CommandKind } from './command.entity';
import { CommandCreation, type CreateOptions, type ManualRemediation } from './command-creation';
import { CommandEndings } from './command-endings';
import { CommandPending } from './command-pending';
import { CommandReports } from './command-reports';
import { EXPIRABLE_STATES, PENDING_STATES, RESENT_STATES } from './command-state';
import { CommandDto, CommandUpdateInput } from './commands.dto';
import {
  CommandsRepository,
  type PendingRemediation,
  type RemediationTargets,
  type ResultCommand,
} from './commands.repository';
import type { ProofOutcome } from '../verification/remediation-proof';
import { VERIFIABLE_KINDS, type CommandRequest } from './kinds';
import { toCommandDto, toProtoCommand } from './commands.mapper';

/** Agent reports applied per transaction at most. */
const UPDATE_BATCH = 200;

/** A command that changed a host and succeeded: a verification rescan is due. */
export interface VerifiableSuccess {
  commandId: string;
  hostId: string;
  kind: CommandKind;
}

/** An agent's report that moved a command (after it committed): for kinds that follow their commands. */
export interface CommandMoved {
  commandId: string;
  hostId: string;
  kind: CommandKind;
  state: CommandUpdateInput['state'];
  message: string;
}

export { unknownCommand } from './unknown-command';
export type { ResultCommand } from './commands.repository';

export type { CreateOptions, ManualRemediation } from './command-creation';

@Injectable()
export class CommandsService {
  private readonly logger = loggerFor(CommandsService.name);

  private readonly updates = new MicroBatcher<
    { agentId: string; update: CommandUpdateInput },
    { hostId: string; kind: CommandKind } | null
  >((items) => this.tx.run(() => this.reports.apply(items)), UPDATE_BATCH);

  private readonly successListeners: Array<(success: VerifiableSuccess) => Promise<void>> = [];
  private readonly movedListeners: Array<(moved: CommandMoved) => Promise<void>> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly hosts: HostsService,
    private readonly delivery: CommandDelivery,
    private readonly audit: AuditService,
    private readonly tx: TransactionService,
    private readonly repo: CommandsRepository,
    private readonly reports: CommandReports,
    private readonly creation: CommandCreation,
    private readonly endings: CommandEndings,
    private readonly pending: CommandPending,
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
    const create = () => this.tx.batched(() => this.createRows([target], request, actor, options));
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
   * One command per host, of one kind with the same parameters, in the caller's unit of work
   * (CommandCreation.createRows).
   */
  createRows(
    targets: ReadonlyArray<{ hostId: string; commandId: string }>,
    request: CommandRequest,
    actor: string,
    options: Pick<CreateOptions, 'expiresInSeconds'> = {},
  ): Promise<Array<Settled<{ dto: CommandDto; entity: CommandEntity | null }>>> {
    return this.creation.createRows(targets, request, actor, options);
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
    const before = await this.repo.findById(commandId);
    if (!before) throw DomainException.notFound('command', commandId);
    const moved = await this.endings.end([commandId], 'cancelled', actor, {}, RESENT_STATES);
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
    return this.endings.end(commandIds, 'cancelled', actor, context, PENDING_STATES);
  }

  expireMany(
    commandIds: readonly string[],
    context: Record<string, unknown> = {},
  ): Promise<number> {
    return this.endings.end(commandIds, 'expired', 'system', context, EXPIRABLE_STATES);
  }

  async get(id: string): Promise<CommandDto> {
    const entity = await this.repo.findById(id);
    if (!entity) throw DomainException.notFound('command', id);
    return toCommandDto(entity);
  }

  async listForHost(hostId: string): Promise<CommandDto[]> {
    await this.hosts.require(hostId);
    return (await this.repo.newestOfHost(hostId, 200)).map(toCommandDto);
  }

  /**
   * A host's new agent takes over the commands its revoked agents had not started (queued, or
   * delivered to an agent that can no longer report on them): the same ids, so that campaigns and
   * callers keep following them, queued again for the new agent, which receives them when it
   * connects. Runs in the enrollment's unit of work; audit: command.reassigned. Returns how many.
   */
  async reassignPending(hostId: string, toAgentId: string): Promise<number> {
    const rows = await this.repo.reassignable(hostId, toAgentId, PENDING_STATES);
    let moved = 0;
    for (const row of rows) {
      if (!(await this.repo.reassign(row.id, row.state, toAgentId))) continue;
      await this.audit.record({
        actor: 'system',
        action: 'command.reassigned',
        hostId,
        details: { commandId: row.id, fromAgentId: row.agent_id, toAgentId, from: row.state },
      });
      moved++;
    }
    return moved;
  }

  /**
   * What a (re)connecting agent missed: queued or delivered-but-not-started, not expired, oldest
   * first. Expired ones are marked. The agents that connect together are looked up together.
   */
  pendingFor(agentId: string): Promise<Command[]> {
    return this.pending.pendingFor(agentId);
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
    for (const listener of this.movedListeners)
      await listener({
        commandId: update.commandId,
        hostId: moved.hostId,
        kind: moved.kind,
        state: update.state,
        message: update.message ?? '',
      });
    return true;
  }

  /**
   * Called after an agent's report moved a command (committed), whatever its kind: a feature
   * that follows its own kind's commands (quarantine/: the host's containment) filters here.
   */
  onCommandMoved(listener: (moved: CommandMoved) => Promise<void>): void {
    this.movedListeners.push(listener);
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
   * In the caller's unit of work.
   */
  recordManualRemediation(
    hostId: string,
    remediation: ManualRemediation,
    actor: string,
  ): Promise<CommandEntity> {
    return this.creation.recordManualRemediation(hostId, remediation, actor);
  }

  /** A scan's verdict on one succeeded remediation, in the caller's unit of work. */
  settleRemediation(
    hostId: string,
    id: string,
    proof: ProofOutcome,
    scanRunId: string,
    actor: string,
  ): Promise<void> {
    return this.endings.settleRemediation(hostId, id, proof, scanRunId, actor);
  }

  /** Where a remediation's rescan must verify it (set once, when its rescan is requested). */
  setVerificationTargets(id: string, targets: RemediationTargets): Promise<void> {
    return this.repo.setVerificationTargets(id, targets);
  }

  /** Where a remediation's rescan must verify it, once set. */
  verificationTargetsOf(id: string): Promise<RemediationTargets | null> {
    return this.repo.verificationTargetsOf(id);
  }

  /** A host's remediations (kind remediate), newest first. */
  remediationsOf(hostId: string): Promise<CommandEntity[]> {
    return this.repo.remediationsOf(hostId, 200);
  }

  /**
   * The commands results arrive for, by id, in the caller's unit of work; there the uploads and
   * ingestion of one command are serialized (CommandsRepository.forResults).
   */
  forResults(ids: readonly string[]): Promise<Map<string, ResultCommand>> {
    return this.repo.forResults(ids);
  }

  /** The remediations of these hosts that succeeded and await their proof, oldest first. */
  pendingRemediations(hostIds: readonly string[]): Promise<PendingRemediation[]> {
    return this.repo.pendingRemediations(hostIds);
  }

  /**
   * The controller refused a command's results (over a per-command limit): the command fails with
   * the reason, also after its agent reported success. Returns whether it moved.
   */
  failForRefusedResults(commandId: string, agentId: string, reason: string): Promise<boolean> {
    return this.endings.failForRefusedResults(commandId, agentId, reason);
  }
}
