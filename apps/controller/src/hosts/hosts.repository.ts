import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { jsonElementPattern, toJson } from '../common/json-column';
import { idsLockedInOrder, rawQuery, selectByIds, updateFromValues } from '../database/raw-query';
import { tableRows } from '../database/table-rows';
import { TransactionService } from '../database/transaction.service';
import { HostEntity, HostStatus } from './host.entity';
import { HostFactsInput, HostQueryDto } from './hosts.dto';

/** What a scan verdict reads and changes of a host (timestamps as stored: ISO strings; null: unchanged). */
export interface HostVerdictState {
  id: string;
  status: HostStatus;
  flagged: boolean;
  flagReason: string | null;
  statusChangedAt: string | null;
  lastScanRunId: string | null;
  lastScanAt: string | null;
}

/** The columns of a host an agent's facts give (the machine id stays as enrolled), and their values. */
const FACT_COLUMNS = tableRows<HostFactsInput>('hosts', [
  ['hostname', (f) => f.hostname],
  ['fqdn', (f) => f.fqdn],
  ['os_name', (f) => f.osName],
  ['os_version', (f) => f.osVersion],
  ['kernel', (f) => f.kernel],
  ['arch', (f) => f.arch],
  ['addresses', (f) => toJson(f.addresses)],
]);

/** recordFacts' SET: the fact columns from VALUES (column1 is the host id), and the time seen. */
const SET_FACTS = [
  ...FACT_COLUMNS.columns.map((column, i) => `${column} = v.column${i + 2}`),
  'last_seen_at = $1',
].join(', ');

/** The host entity's columns an agent's facts give, the machine id included. */
export function factsColumns(
  facts: HostFactsInput,
): Pick<
  HostEntity,
  'hostname' | 'fqdn' | 'machineId' | 'osName' | 'osVersion' | 'kernel' | 'arch' | 'addresses'
> {
  return {
    hostname: facts.hostname,
    fqdn: facts.fqdn,
    machineId: facts.machineId,
    osName: facts.osName,
    osVersion: facts.osVersion,
    kernel: facts.kernel,
    arch: facts.arch,
    addresses: toJson(facts.addresses),
  };
}

/**
 * The hosts table: every statement of HostsService. Runs in the caller's unit of work (the
 * ambient transaction of TransactionService), or on its own outside one; rows are locked on
 * PostgreSQL in a unit (tx.locksRows), in id order.
 */
@Injectable()
export class HostsRepository {
  constructor(private readonly tx: TransactionService) {}

  private get repo(): Repository<HostEntity> {
    return this.tx.manager.getRepository(HostEntity);
  }

  findById(id: string): Promise<HostEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByMachineId(machineId: string): Promise<HostEntity | null> {
    return this.repo.findOneBy({ machineId });
  }

  /** One page of hosts matching the query, by hostname, and how many match. */
  page(query: HostQueryDto): Promise<[HostEntity[], number]> {
    const qb = this.repo.createQueryBuilder('h');
    if (query.status) qb.andWhere('h.status = :status', { status: query.status });
    if (query.flagged !== undefined)
      qb.andWhere('h.flagged = :flagged', { flagged: query.flagged });
    if (query.tag)
      qb.andWhere(`h.tags LIKE :tag ESCAPE '\\'`, { tag: jsonElementPattern(query.tag) });
    if (query.lastSeenBefore)
      qb.andWhere('h.last_seen_at < :before', {
        before: new Date(query.lastSeenBefore).toISOString(),
      });
    if (query.lastSeenAfter)
      qb.andWhere('h.last_seen_at >= :after', {
        after: new Date(query.lastSeenAfter).toISOString(),
      });
    const findingFilters: string[] = [];
    if (query.cve) findingFilters.push(`f.cves LIKE :cve ESCAPE '\\'`);
    if (query.product) findingFilters.push('f.product = :product');
    if (query.version) findingFilters.push('f.version = :version');
    if (findingFilters.length > 0) {
      // Read model: hosts whose current findings hold a matching copy.
      qb.andWhere(
        `EXISTS (SELECT 1 FROM findings f WHERE f.host_id = h.id AND f.current = :current AND ${findingFilters.join(' AND ')})`,
        {
          current: true,
          cve: query.cve ? jsonElementPattern(query.cve) : undefined,
          product: query.product,
          version: query.version,
        },
      );
    }
    return qb
      .orderBy('h.hostname', 'ASC')
      .addOrderBy('h.id', 'ASC')
      .skip((query.page - 1) * query.pageSize)
      .take(query.pageSize)
      .getManyAndCount();
  }

  async setTags(id: string, tags: string): Promise<void> {
    await this.repo.update({ id }, { tags });
  }

  /** Clears the flag of a host still flagged; false when it is not (any more). */
  async clearFlag(id: string): Promise<boolean> {
    const { affected } = await this.repo.update(
      { id, flagged: true },
      { flagged: false, flagReason: null },
    );
    return Boolean(affected);
  }

  /** Flags the host with this reason. */
  async flag(id: string, flagReason: string): Promise<void> {
    await this.repo.update({ id }, { flagged: true, flagReason });
  }

  /**
   * The host enrolled with this machine id, if any. On PostgreSQL (in the enrollment's
   * transaction) its row stays locked until the commit, so that two enrollments of one machine
   * decide one after the other.
   */
  async findForEnrollment(machineId: string): Promise<Pick<HostEntity, 'id' | 'hostname'> | null> {
    const { rows } = await rawQuery<{ id: string; hostname: string }>(
      this.tx.manager,
      `SELECT id, hostname FROM hosts WHERE machine_id = $1${this.tx.locksRows ? ' FOR UPDATE' : ''}`,
      [machineId],
    );
    return rows[0] ?? null;
  }

  /** Stores the host as it is (an enrolled host's merged facts and tags). */
  async save(host: HostEntity): Promise<void> {
    await this.repo.save(host);
  }

  async insert(host: HostEntity): Promise<void> {
    await this.repo.insert(host);
  }

  /**
   * Writes the facts of `withFacts` (one entry per host) and marks them seen at `seenAt`, and
   * marks `seenOnly` seen; on PostgreSQL in a unit every row is locked in id order first.
   */
  async recordFacts(
    withFacts: ReadonlyArray<readonly [hostId: string, facts: HostFactsInput]>,
    seenOnly: readonly string[],
    seenAt: string,
  ): Promise<void> {
    const manager = this.tx.manager;
    const lock = this.tx.locksRows;
    if (lock)
      await selectByIds(
        manager,
        'hosts',
        'id',
        [...withFacts.map(([id]) => id), ...seenOnly],
        true,
      );
    await updateFromValues(
      manager,
      {
        table: 'hosts',
        set: SET_FACTS,
        where: 'hosts.id = v.column1',
      },
      [seenAt],
      withFacts.map(([id, facts]) => [id, ...FACT_COLUMNS.row(facts)]),
    );
    await this.markSeen(seenOnly, seenAt, false);
  }

  /** Marks the hosts seen at `seenAt` in one statement (on PostgreSQL in a unit rows locked in id order). */
  touchLastSeen(hostIds: readonly string[], seenAt: string): Promise<void> {
    return this.markSeen(hostIds, seenAt, this.tx.locksRows);
  }

  private async markSeen(hostIds: readonly string[], seenAt: string, lock: boolean): Promise<void> {
    const ids = [...new Set(hostIds)].sort();
    if (ids.length === 0) return;
    await rawQuery(
      this.tx.manager,
      `UPDATE hosts SET last_seen_at = $1 WHERE id IN (${idsLockedInOrder('hosts', ids.length, 2, lock)})`,
      [seenAt, ...ids],
    );
  }

  /** Whether the host exists; on PostgreSQL in a unit its row stays locked until the commit. */
  async lock(hostId: string): Promise<boolean> {
    const rows = await selectByIds<{ id: string }>(
      this.tx.manager,
      'hosts',
      'id',
      [hostId],
      this.tx.locksRows,
    );
    return rows.length > 0;
  }

  async saveStatus(host: HostEntity): Promise<void> {
    await this.repo.update(
      { id: host.id },
      { status: host.status, statusChangedAt: host.statusChangedAt },
    );
  }

  /** Writes the host's status and containment columns. */
  async saveContainment(host: HostEntity): Promise<void> {
    await this.repo.update(
      { id: host.id },
      {
        status: host.status,
        statusChangedAt: host.statusChangedAt,
        containment: host.containment,
        containmentMode: host.containmentMode,
        containmentCommandId: host.containmentCommandId,
        containmentChangedAt: host.containmentChangedAt,
        containmentDetail: host.containmentDetail,
      },
    );
  }

  /**
   * The hosts scan verdicts are applied to; on PostgreSQL in a unit locked for the transaction,
   * in id order (ingest batches never deadlock). Hosts that do not exist are missing from the map.
   */
  async forVerdicts(hostIds: readonly string[]): Promise<Map<string, HostVerdictState>> {
    const rows = await selectByIds<{
      id: string;
      status: HostStatus;
      flagged: boolean | number;
      flag_reason: string | null;
      last_scan_run_id: string | null;
    }>(
      this.tx.manager,
      'hosts',
      'id, status, flagged, flag_reason, last_scan_run_id',
      hostIds,
      this.tx.locksRows,
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          status: r.status,
          flagged: Boolean(r.flagged),
          flagReason: r.flag_reason,
          statusChangedAt: null,
          lastScanRunId: r.last_scan_run_id,
          lastScanAt: null,
        },
      ]),
    );
  }

  /** Writes hosts changed by verdicts (one UPDATE for many). */
  async saveVerdicts(hosts: readonly HostVerdictState[]): Promise<void> {
    await updateFromValues(
      this.tx.manager,
      {
        table: 'hosts',
        set: `status = v.column2, status_changed_at = COALESCE(v.column3, hosts.status_changed_at),
          flagged = CAST(v.column4 AS BOOLEAN), flag_reason = v.column5, last_scan_run_id = v.column6,
          last_scan_at = COALESCE(v.column7, hosts.last_scan_at)`,
        where: 'hosts.id = v.column1',
      },
      [],
      hosts.map((h) => [
        h.id,
        h.status,
        h.statusChangedAt,
        h.flagged,
        h.flagReason,
        h.lastScanRunId,
        h.lastScanAt,
      ]),
    );
  }
}
