import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import {
  idsLockedInOrder,
  placeholders,
  rawQuery,
  selectByIds,
  updateFromValues,
} from '../database/raw-query';
import { TransactionService } from '../database/transaction.service';
import { AgentEntity } from './agent.entity';

/** An agent's credential as authentication reads it. */
export interface StoredCredential {
  id: string;
  hostId: string;
  credentialHash: string;
  revoked: boolean;
  revokedReason: string | null;
}

/**
 * The agents table: the statements of AgentsService. Runs in the caller's unit of work (the
 * ambient transaction of TransactionService), or on its own outside one, except where a method
 * says it reads outside the caller's unit.
 */
@Injectable()
export class AgentsRepository {
  constructor(
    @InjectRepository(AgentEntity) private readonly agents: Repository<AgentEntity>,
    private readonly tx: TransactionService,
  ) {}

  private get repo(): Repository<AgentEntity> {
    return this.tx.manager.getRepository(AgentEntity);
  }

  /**
   * The credentials of these agents (missing: no such agent), in one plain statement. Through the
   * default manager on purpose, as before: a batch of authentications serves many requests and
   * does not belong to the unit of work of the one whose context started it.
   */
  async credentialsOf(ids: readonly string[]): Promise<Map<string, StoredCredential>> {
    const rows = await selectByIds<{
      id: string;
      host_id: string;
      hash: string;
      revoked: unknown;
      revoked_reason: string | null;
    }>(
      this.agents.manager,
      'agents',
      'id, host_id, credential_hash AS hash, revoked, revoked_reason',
      ids,
      false,
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          hostId: r.host_id,
          credentialHash: r.hash,
          revoked: Boolean(r.revoked),
          revokedReason: r.revoked_reason,
        },
      ]),
    );
  }

  findById(id: string): Promise<AgentEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Every agent of the host, the newest first. */
  ofHost(hostId: string): Promise<AgentEntity[]> {
    return this.repo.find({ where: { hostId }, order: { createdAt: 'DESC' } });
  }

  /** The host's agents not revoked: their ids and credential hashes. */
  activeOfHost(hostId: string): Promise<Array<Pick<AgentEntity, 'id' | 'credentialHash'>>> {
    return this.repo.find({
      where: { hostId, revoked: false },
      select: { id: true, credentialHash: true },
    });
  }

  /** Revokes these agents, at `at`, for `reason`. */
  async revokeMany(ids: readonly string[], at: Date, reason: string): Promise<void> {
    await this.repo.update(
      { id: In([...ids]) },
      { revoked: true, revokedAt: at, revokedReason: reason },
    );
  }

  async insert(agent: AgentEntity): Promise<void> {
    await this.repo.insert(agent);
  }

  /**
   * The newest unrevoked agent of each host: the agent's id, null for a host without one; a host
   * that does not exist is missing from the map.
   */
  activeAgentsOf(hostIds: readonly string[]): Promise<Map<string, string | null>> {
    return this.newestActiveOf(this.tx.manager, hostIds);
  }

  /**
   * activeAgentsOf through the default manager, as AgentsService.activeAgentOf always read it
   * (also when called inside a unit of work: kept as it was).
   */
  activeAgentsOutsideUnitOf(hostIds: readonly string[]): Promise<Map<string, string | null>> {
    return this.newestActiveOf(this.agents.manager, hostIds);
  }

  private async newestActiveOf(
    manager: EntityManager,
    hostIds: readonly string[],
  ): Promise<Map<string, string | null>> {
    const ids = [...new Set(hostIds)];
    if (ids.length === 0) return new Map();
    const { rows } = await rawQuery<{ host_id: string; agent_id: string | null }>(
      manager,
      `SELECT h.id AS host_id,
         (SELECT a.id FROM agents a WHERE a.host_id = h.id AND a.revoked = $1
          ORDER BY a.created_at DESC LIMIT 1) AS agent_id
       FROM hosts h WHERE h.id IN (${placeholders(ids.length, 2)})`,
      [false, ...ids],
    );
    return new Map(rows.map((r) => [r.host_id, r.agent_id]));
  }

  /**
   * Marks these agents seen at `seenAt` unless revoked (on PostgreSQL in a unit rows locked in id
   * order); returns the agents marked, with their hosts.
   */
  async touchLastSeen(
    agentIds: readonly string[],
    seenAt: string,
  ): Promise<Array<{ id: string; hostId: string }>> {
    const ids = [...new Set(agentIds)].sort();
    const { rows } = await rawQuery<{ id: string; host_id: string }>(
      this.tx.manager,
      `UPDATE agents SET last_seen_at = $1
       WHERE revoked = $2 AND id IN (${idsLockedInOrder('agents', ids.length, 3, this.tx.locksRows)})
       RETURNING id, host_id`,
      [seenAt, false, ...ids],
    );
    return rows.map((r) => ({ id: r.id, hostId: r.host_id }));
  }

  /**
   * Writes the agents' versions (one entry per agent) and marks them seen at `seenAt`; on
   * PostgreSQL in a unit the rows are locked in id order first.
   */
  async recordVersions(
    versions: ReadonlyArray<readonly [agentId: string, version: string]>,
    seenAt: string,
  ): Promise<void> {
    const manager = this.tx.manager;
    if (this.tx.locksRows)
      await selectByIds(
        manager,
        'agents',
        'id',
        versions.map(([id]) => id),
        true,
      );
    await updateFromValues(
      manager,
      {
        table: 'agents',
        set: 'version = v.column2, last_seen_at = $1',
        where: 'agents.id = v.column1',
      },
      [seenAt],
      versions.map(([id, version]) => [id, version]),
    );
  }
}
