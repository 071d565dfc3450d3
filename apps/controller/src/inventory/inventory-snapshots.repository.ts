import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, LessThan, MoreThan, Repository } from 'typeorm';
import { InventorySnapshotEntity } from './inventory-snapshot.entity';

export interface LatestSnapshotFilter {
  runningVulnerableJvm?: boolean;
  restartNeeded?: boolean;
  privilegedAddedSince?: Date;
  notUpdatedSince?: Date;
  page: number;
  pageSize: number;
}

@Injectable()
export class InventorySnapshotsRepository {
  constructor(
    @InjectRepository(InventorySnapshotEntity)
    private readonly snapshots: Repository<InventorySnapshotEntity>,
  ) {}

  private repo(manager?: EntityManager): Repository<InventorySnapshotEntity> {
    return manager ? manager.getRepository(InventorySnapshotEntity) : this.snapshots;
  }

  findByKey(
    agentId: string,
    collectedAtMs: number,
    manager?: EntityManager,
  ): Promise<InventorySnapshotEntity | null> {
    return this.repo(manager).findOneBy({ agentId, collectedAtMs });
  }

  /** The host's snapshot collected just before `collectedAtMs` (any agent of the host). */
  previousOf(
    hostId: string,
    collectedAtMs: number,
    manager?: EntityManager,
  ): Promise<InventorySnapshotEntity | null> {
    return this.repo(manager).findOne({
      where: { hostId, collectedAtMs: LessThan(collectedAtMs) },
      order: { collectedAtMs: 'DESC', id: 'ASC' },
    });
  }

  hasNewer(hostId: string, collectedAtMs: number, manager?: EntityManager): Promise<boolean> {
    return this.repo(manager).existsBy({ hostId, collectedAtMs: MoreThan(collectedAtMs) });
  }

  async insert(entity: InventorySnapshotEntity, manager?: EntityManager): Promise<void> {
    await this.repo(manager).insert(entity);
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
