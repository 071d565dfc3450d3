import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import { REMEDIATION_KINDS } from './kinds';
import { bulkInsert } from '../database/bulk-insert';
import {
  lockEntities,
  placeholders,
  rawQuery,
  selectByIds,
  updateFromValues,
} from '../database/raw-query';
import { TransactionService } from '../database/transaction.service';
import { CommandEntity, CommandKind, CommandStateName } from './command.entity';
import type { PendingRemediation, RemediationTargets } from '../verification/remediation-proof';
import { STATE_COLUMN } from './commands.mapper';

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
  /** JSON of its parameters (a scan's scope is read from it). */
  payload: string;
}

export type { PendingRemediation, RemediationTargets };

/** A command as the agents' reports are applied to it (snake case: as selected). */
export interface ReportedCommandRow {
  id: string;
  agent_id: string;
  host_id: string;
  kind: CommandKind;
  state: CommandStateName;
  total_chunks: number | null;
}

/** One report moving a command from `previous` to the batch's state. */
export interface ReportMove {
  commandId: string;
  previous: CommandStateName;
  message: string | null;
  totalChunks: number | null;
}

/** A command as the controller's own endings read it before moving it. */
export type EndingCommandRow = Pick<CommandEntity, 'id' | 'hostId' | 'state'>;

/**
 * The commands table: every statement on it. The hand-written ones are where measurements put
 * them (bulk inserts, UPDATE ... FROM (VALUES ...), advisory locks for result ingestion); the
 * column list of an insert is the entity's, read from its metadata (one place). Statements run in
 * the caller's unit of work (the ambient transaction of TransactionService), or on their own
 * outside one; the plain reads of the API (`repo`, the default manager) always on their own.
 */
@Injectable()
export class CommandsRepository {
  constructor(
    @InjectRepository(CommandEntity) private readonly repo: Repository<CommandEntity>,
    private readonly tx: TransactionService,
  ) {}

  /** The commands table through the manager of the caller's unit of work (or the default one). */
  private get inUnit(): Repository<CommandEntity> {
    return this.tx.manager.getRepository(CommandEntity);
  }

  /** Many new commands in a few multi-row INSERTs. */
  async insertMany(entities: readonly CommandEntity[]): Promise<void> {
    const manager = this.tx.manager;
    const columns = manager.connection.getMetadata(CommandEntity).columns;
    await bulkInsert(
      manager,
      'commands',
      columns.map((c) => c.databaseName),
      entities.map((e) =>
        columns.map((c) => {
          // Timestamps as ISO strings, as the entity's date columns store them.
          const value = (e as unknown as Record<string, unknown>)[c.propertyName] ?? null;
          return value instanceof Date ? value.toISOString() : value;
        }),
      ),
    );
  }

  /** The rows of the batch of reports, read once (no lock: the guarded UPDATE decides). */
  forReports(ids: readonly string[]): Promise<ReportedCommandRow[]> {
    return selectByIds<ReportedCommandRow>(
      this.tx.manager,
      'commands',
      'id, agent_id, host_id, kind, state, total_chunks',
      ids,
      false,
    );
  }

  /**
   * Moves the commands of `moves` to `state` in one statement, each only from the state it was
   * read in (two racing updates, from two processes, apply once); returns the ids moved. In id
   * order, as other writers lock commands: concurrent transactions (on PostgreSQL) then wait for
   * each other instead of deadlocking.
   */
  async moveReported(
    state: CommandStateName,
    at: string,
    moves: ReportMove[],
  ): Promise<Set<string>> {
    moves.sort((x, y) => (x.commandId < y.commandId ? -1 : 1));
    const { rows } = await updateFromValues<{ id: string }>(
      this.tx.manager,
      {
        table: 'commands',
        set: `state = $1, ${STATE_COLUMN[state]} = $2,
              message = COALESCE(v.column3, commands.message),
              total_chunks = COALESCE(CAST(v.column4 AS INTEGER), commands.total_chunks)`,
        where: 'commands.id = v.column1 AND commands.state = v.column2',
        returning: 'id',
      },
      [state, at],
      moves.map((m) => [m.commandId, m.previous, m.message, m.totalChunks]),
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * The commands results arrive for, by id. On PostgreSQL the uploads and ingestion of one
   * command are serialized for the transaction by an advisory lock, not by locking the command's
   * row, which the agents' reports update meanwhile. SQLite serializes writers anyway.
   */
  async forResults(ids: readonly string[]): Promise<Map<string, ResultCommand>> {
    const manager = this.tx.manager;
    if (this.tx.isPostgres) await lockEntities(manager, 'command-results', ids);
    const rows = await selectByIds<{
      id: string;
      host_id: string;
      agent_id: string;
      kind: CommandKind;
      state: CommandStateName;
      total_chunks: number | null;
      created_at: string;
      started_at: string | null;
      payload: string;
    }>(
      manager,
      'commands',
      'id, host_id, agent_id, kind, state, total_chunks, created_at, started_at, payload',
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
          payload: r.payload,
        },
      ]),
    );
  }

  /** The remediations of these hosts that succeeded and await their proof, oldest first. */
  async pendingRemediations(hostIds: readonly string[]): Promise<PendingRemediation[]> {
    if (hostIds.length === 0) return [];
    const { rows } = await rawQuery<{
      id: string;
      host_id: string;
      succeeded_at: string | null;
      created_at: string;
      verification_targets: string | null;
    }>(
      this.tx.manager,
      `SELECT id, host_id, succeeded_at, created_at, verification_targets FROM commands
       WHERE kind IN (${REMEDIATION_KINDS.map((k) => `'${k}'`).join(', ')}) AND state = 'succeeded' AND host_id IN (${placeholders(hostIds.length)})
       ORDER BY created_at`,
      hostIds,
    );
    return rows.map((r) => ({
      id: r.id,
      hostId: r.host_id,
      at: r.succeeded_at ?? r.created_at,
      targets: r.verification_targets
        ? (JSON.parse(r.verification_targets) as RemediationTargets)
        : null,
    }));
  }

  /** A host's commands in `states` held by agents other than `toAgentId`, not expired. */
  async reassignable(
    hostId: string,
    toAgentId: string,
    states: readonly CommandStateName[],
  ): Promise<Array<{ id: string; agent_id: string; state: CommandStateName }>> {
    const { rows } = await rawQuery<{ id: string; agent_id: string; state: CommandStateName }>(
      this.tx.manager,
      `SELECT id, agent_id, state FROM commands
       WHERE host_id = $1 AND agent_id <> $2 AND state IN (${states
         .map((_, i) => `$${i + 3}`)
         .join(', ')}) AND expires_at > $${states.length + 3}`,
      [hostId, toAgentId, ...states, new Date().toISOString()],
    );
    return rows;
  }

  /** Queues the command again for `toAgentId`, if it is still in `from`; whether it moved. */
  async reassign(id: string, from: CommandStateName, toAgentId: string): Promise<boolean> {
    const { affected } = await rawQuery(
      this.tx.manager,
      `UPDATE commands SET agent_id = $1, state = $2, delivered_at = NULL
         WHERE id = $3 AND state = $4`,
      [toAgentId, 'queued', id, from],
    );
    return Boolean(affected);
  }

  /** The commands of these ids that exist. */
  byIds(ids: readonly string[]): Promise<CommandEntity[]> {
    return this.inUnit.findBy({ id: In([...ids]) });
  }

  /** One new command (a single INSERT). */
  async insert(entity: CommandEntity): Promise<void> {
    await this.inUnit.insert(entity);
  }

  /** Moves the command to `patch` only if it is still in `from`; whether it moved. */
  async moveFrom(
    id: string,
    from: CommandStateName,
    patch: Partial<CommandEntity>,
  ): Promise<boolean> {
    const result = await this.inUnit.update({ id, state: from }, patch);
    return Boolean(result.affected);
  }

  /** The commands of `ids` that are in one of `states`. */
  inStates(
    ids: readonly string[],
    states: readonly CommandStateName[],
  ): Promise<EndingCommandRow[]> {
    return this.inUnit.find({
      where: { id: In([...ids]), state: In([...states]) },
      select: { id: true, hostId: true, state: true },
    });
  }

  /** The command if `agentId` holds it and it is in one of `states`. */
  ofAgentInStates(
    id: string,
    agentId: string,
    states: readonly CommandStateName[],
  ): Promise<EndingCommandRow | null> {
    return this.inUnit.findOne({
      where: { id, agentId, state: In([...states]) },
      select: { id: true, hostId: true, state: true },
    });
  }

  /** The commands the agents are sent when they connect: of these agents, in `states`, oldest first. */
  ofAgents(
    agentIds: readonly string[],
    states: readonly CommandStateName[],
  ): Promise<CommandEntity[]> {
    return this.repo.find({
      where: { agentId: In([...new Set(agentIds)]), state: In([...states]) },
      order: { createdAt: 'ASC' },
    });
  }

  findById(id: string): Promise<CommandEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** A host's newest commands. */
  newestOfHost(hostId: string, take: number): Promise<CommandEntity[]> {
    return this.repo.find({ where: { hostId }, order: { createdAt: 'DESC' }, take });
  }

  /** A host's newest remediations (kind remediate). */
  remediationsOf(hostId: string, take: number): Promise<CommandEntity[]> {
    return this.repo.find({
      where: { hostId, kind: In([...REMEDIATION_KINDS]) },
      order: { createdAt: 'DESC' },
      take,
    });
  }

  /** Sets where a remediation's rescan must verify it, if it is not set yet. */
  async setVerificationTargets(id: string, targets: RemediationTargets): Promise<void> {
    await this.repo.update(
      { id, verificationTargets: IsNull() },
      { verificationTargets: JSON.stringify(targets) },
    );
  }

  /** Where a remediation's rescan must verify it, once set. */
  async verificationTargetsOf(id: string): Promise<RemediationTargets | null> {
    const row = await this.repo.findOne({
      where: { id },
      select: { id: true, verificationTargets: true },
    });
    return row?.verificationTargets
      ? (JSON.parse(row.verificationTargets) as RemediationTargets)
      : null;
  }
}

/** A command row: the given columns, every other one empty. */
export function newCommandRow(
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
    verificationTargets: null,
    verifiedByScanRunId: null,
    verificationNote: null,
    ...row,
  };
}
