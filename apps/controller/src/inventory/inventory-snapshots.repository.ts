import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, MoreThan, Repository } from 'typeorm';
import { placeholders, rawQuery } from '../database/raw-query';
import { TransactionService } from '../database/transaction.service';
import { InventorySnapshotEntity } from './inventory-snapshot.entity';

export interface LatestSnapshotFilter {
  runningVulnerableJvm?: boolean;
  restartNeeded?: boolean;
  privilegedAddedSince?: Date;
  notUpdatedSince?: Date;
  page: number;
  pageSize: number;
}

/**
 * inventory_snapshots. An ingest's statements (findByKey, previousOf, insert, hasNewer) run in the
 * caller's unit of work (the ambient transaction of TransactionService), or on their own outside
 * one; the other reads and the retention's statements run on their own.
 */
@Injectable()
export class InventorySnapshotsRepository {
  constructor(
    @InjectRepository(InventorySnapshotEntity)
    private readonly snapshots: Repository<InventorySnapshotEntity>,
    private readonly tx: TransactionService,
  ) {}

  /** The table in the unit of work running now (the default manager's outside one). */
  private get inUnit(): Repository<InventorySnapshotEntity> {
    return this.tx.manager.getRepository(InventorySnapshotEntity);
  }

  findByKey(agentId: string, collectedAtMs: number): Promise<InventorySnapshotEntity | null> {
    return this.inUnit.findOneBy({ agentId, collectedAtMs });
  }

  /** The host's snapshot collected just before `collectedAtMs` (any agent of the host). */
  previousOf(hostId: string, collectedAtMs: number): Promise<InventorySnapshotEntity | null> {
    return this.inUnit.findOne({
      where: { hostId, collectedAtMs: LessThan(collectedAtMs) },
      order: { collectedAtMs: 'DESC', id: 'ASC' },
    });
  }

  hasNewer(hostId: string, collectedAtMs: number): Promise<boolean> {
    return this.inUnit.existsBy({ hostId, collectedAtMs: MoreThan(collectedAtMs) });
  }

  /** How many snapshots this agent sent that were stored since `since`, and the first of them. */
  async storedSince(
    agentId: string,
    since: Date,
  ): Promise<{ count: number; firstAt: Date | null }> {
    const rows = await this.snapshots.find({
      where: { agentId, receivedAt: MoreThan(since) },
      select: { id: true, receivedAt: true },
      order: { receivedAt: 'ASC' },
      take: 1,
    });
    const count = await this.snapshots.countBy({ agentId, receivedAt: MoreThan(since) });
    return { count, firstAt: rows[0]?.receivedAt ?? null };
  }

  /** Hosts (after `afterHostId`, in id order) that hold more than `keep` snapshots. */
  async hostsOver(keep: number, afterHostId: string, limit: number): Promise<string[]> {
    const { rows } = await rawQuery<{ host_id: string }>(
      this.snapshots.manager,
      `SELECT host_id FROM inventory_snapshots WHERE host_id > $1
       GROUP BY host_id HAVING COUNT(*) > $2 ORDER BY host_id LIMIT $3`,
      [afterHostId, keep, limit],
    );
    return rows.map((r) => r.host_id);
  }

  /**
   * Deletes, of the host's snapshots beyond its `keep` newest, up to `limit` received before
   * `before`; returns how many it deleted and whether there may be more (two bounded statements).
   */
  async pruneHost(
    hostId: string,
    keep: number,
    before: Date,
    limit: number,
  ): Promise<{ deleted: number; more: boolean }> {
    const manager = this.snapshots.manager;
    const { rows } = await rawQuery<{ id: string }>(
      manager,
      `SELECT id FROM inventory_snapshots
       WHERE host_id = $1 AND received_at < $2
         AND id NOT IN (SELECT id FROM inventory_snapshots WHERE host_id = $1
                        ORDER BY collected_at_ms DESC, id DESC LIMIT $3)
       LIMIT $4`,
      [hostId, before.toISOString(), keep, limit],
    );
    if (rows.length > 0)
      await rawQuery(
        manager,
        `DELETE FROM inventory_snapshots WHERE id IN (${placeholders(rows.length)})`,
        rows.map((r) => r.id),
      );
    return { deleted: rows.length, more: rows.length === limit };
  }

  async insert(entity: InventorySnapshotEntity): Promise<void> {
    await this.inUnit.insert(entity);
  }

  latest(hostId: string): Promise<InventorySnapshotEntity | null> {
    return this.snapshots.findOne({
      where: { hostId },
      order: { collectedAtMs: 'DESC', id: 'ASC' },
    });
  }

  /** Newest first; the JSON body is not loaded. */
  history(
    hostId: string,
    page: number,
    pageSize: number,
  ): Promise<[InventorySnapshotEntity[], number]> {
    return this.snapshots
      .createQueryBuilder('s')
      .select([
        's.id',
        's.hostId',
        's.agentId',
        's.collectedAtMs',
        's.collectedAt',
        's.receivedAt',
        's.hostname',
        's.osName',
        's.osVersion',
        's.runningVulnerableJvm',
        's.restartNeeded',
        's.privilegedAccounts',
        's.privilegedAdded',
        's.lastUpdateAt',
        's.changes',
      ])
      .where('s.host_id = :hostId', { hostId })
      .orderBy('s.collected_at_ms', 'DESC')
      .addOrderBy('s.id', 'ASC')
      .skip((page - 1) * pageSize)
      .take(pageSize)
      .getManyAndCount();
  }

  /**
   * Each host's latest snapshot (id, host, time; no body), in host id order after
   * `afterHostId`: the fleet walked page by page.
   */
  async latestIds(
    afterHostId: string,
    limit: number,
  ): Promise<Array<{ id: string; hostId: string; hostname: string; collectedAtMs: number }>> {
    const { rows } = await rawQuery<{
      id: string;
      host_id: string;
      hostname: string;
      collected_at_ms: string | number;
    }>(
      this.snapshots.manager,
      `SELECT s.id, s.host_id, s.hostname, s.collected_at_ms FROM inventory_snapshots s
       WHERE s.host_id > $1 AND s.collected_at_ms =
         (SELECT MAX(l.collected_at_ms) FROM inventory_snapshots l WHERE l.host_id = s.host_id)
       ORDER BY s.host_id, s.id LIMIT $2`,
      [afterHostId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      hostId: r.host_id,
      hostname: r.hostname,
      collectedAtMs: Number(r.collected_at_ms),
    }));
  }

  /** Snapshot bodies by id. */
  async bodies(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.snapshots.find({
      where: { id: In(ids) },
      select: { id: true, snapshot: true },
    });
    return new Map(rows.map((r) => [r.id, r.snapshot]));
  }

  ofHost(hostId: string, ids: string[]): Promise<InventorySnapshotEntity[]> {
    return this.snapshots.findBy({ hostId, id: In(ids) });
  }

  /** Each host's latest snapshot that matches, ordered by hostname. */
  latestMatching(filter: LatestSnapshotFilter): Promise<[InventorySnapshotEntity[], number]> {
    const qb = this.snapshots
      .createQueryBuilder('s')
      .where(
        's.collected_at_ms = (SELECT MAX(l.collected_at_ms) FROM inventory_snapshots l WHERE l.host_id = s.host_id)',
      );
    if (filter.runningVulnerableJvm !== undefined)
      qb.andWhere('s.running_vulnerable_jvm = :rv', { rv: filter.runningVulnerableJvm });
    if (filter.restartNeeded !== undefined)
      qb.andWhere('s.restart_needed = :rn', { rn: filter.restartNeeded });
    if (filter.privilegedAddedSince) {
      qb.andWhere(
        'EXISTS (SELECT 1 FROM inventory_snapshots p WHERE p.host_id = s.host_id AND p.privileged_added = :yes AND p.collected_at >= :since)',
        {
          yes: true,
          since: filter.privilegedAddedSince.toISOString(),
        },
      );
    }
    if (filter.notUpdatedSince)
      qb.andWhere('(s.last_update_at IS NULL OR s.last_update_at < :updatedSince)', {
        updatedSince: filter.notUpdatedSince.toISOString(),
      });
    return qb
      .orderBy('s.hostname', 'ASC')
      .addOrderBy('s.host_id', 'ASC')
      .skip((filter.page - 1) * filter.pageSize)
      .take(filter.pageSize)
      .getManyAndCount();
  }
}
