import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AuditRecord } from '../audit/audit.dto';
import { AuditService } from '../audit/audit.service';
import { DomainException } from '../common/domain.exception';
import { jsonElementPattern, parseJsonArray, toJson } from '../common/json-column';
import { Page } from '../common/pagination.dto';
import { idsLockedInOrder, rawQuery, selectByIds, updateFromValues } from '../database/raw-query';
import { HostEntity, HostStatus } from './host.entity';
import { statusAfterScan } from '../scan/scan-verdict';
import { HostDto, HostFactsInput, HostQueryDto } from './hosts.dto';
import { toHostDto } from './hosts.mapper';

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

export interface ScanVerdict {
  hostId: string;
  scanRunId: string;
  vulnerable: boolean;
  remediationRecorded: boolean;
  actor: string;
}

@Injectable()
export class HostsService {
  constructor(
    @InjectRepository(HostEntity) private readonly hosts: Repository<HostEntity>,
    private readonly audit: AuditService,
  ) {}

  async get(id: string): Promise<HostDto> {
    return toHostDto(await this.require(id));
  }

  async require(id: string, manager?: EntityManager): Promise<HostEntity> {
    const host = await this.repo(manager).findOneBy({ id });
    if (!host) throw DomainException.notFound('host', id);
    return host;
  }

  async list(query: HostQueryDto): Promise<Page<HostDto>> {
    const qb = this.hosts.createQueryBuilder('h');
    if (query.status) qb.andWhere('h.status = :status', { status: query.status });
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
      // Read model: hosts whose current inventory (latest completed scan) holds a matching copy.
      qb.andWhere(
        `EXISTS (SELECT 1 FROM findings f WHERE f.scan_run_id = h.last_scan_run_id AND ${findingFilters.join(' AND ')})`,
        {
          cve: query.cve ? jsonElementPattern(query.cve) : undefined,
          product: query.product,
          version: query.version,
        },
      );
    }
    const [rows, total] = await qb
      .orderBy('h.hostname', 'ASC')
      .addOrderBy('h.id', 'ASC')
      .skip((query.page - 1) * query.pageSize)
      .take(query.pageSize)
      .getManyAndCount();
    return { items: rows.map(toHostDto), total, page: query.page, pageSize: query.pageSize };
  }

  async setTags(id: string, tags: string[], actor: string): Promise<HostDto> {
    const host = await this.require(id);
    const before = parseJsonArray(host.tags);
    host.tags = toJson(tags);
    await this.hosts.update({ id }, { tags: host.tags });
    await this.audit.record({
      actor,
      action: 'host.tags_updated',
      hostId: id,
      details: { before, after: tags },
    });
    return toHostDto(host);
  }

  /** Enrollment: the host is found by machine id (re-enrolling keeps its history) or created. */
  /**
   * The host enrolled with this machine id, if any. On PostgreSQL (in the enrollment's
   * transaction) its row stays locked until the commit, so that two enrollments of one machine
   * decide one after the other.
   */
  async findForEnrollment(
    machineId: string,
    manager: EntityManager = this.hosts.manager,
  ): Promise<Pick<HostEntity, 'id' | 'hostname'> | null> {
    const { rows } = await rawQuery<{ id: string; hostname: string }>(
      manager,
      `SELECT id, hostname FROM hosts WHERE machine_id = $1${locksRows(manager) ? ' FOR UPDATE' : ''}`,
      [machineId],
    );
    return rows[0] ?? null;
  }

  async upsertForEnrollment(
    facts: HostFactsInput,
    tags: string[],
    manager: EntityManager,
  ): Promise<{ host: HostEntity; created: boolean }> {
    const repo = this.repo(manager);
    const existing = await repo.findOneBy({ machineId: facts.machineId });
    const now = new Date();
    if (existing) {
      const merged = [...new Set([...parseJsonArray(existing.tags), ...tags])];
      Object.assign(existing, factsColumns(facts), { tags: toJson(merged), lastSeenAt: now });
      await repo.save(existing);
      return { host: existing, created: false };
    }
    const host: HostEntity = {
      id: randomUUID(),
      ...factsColumns(facts),
      tags: toJson([...new Set(tags)]),
      status: 'unknown',
      flagged: false,
      flagReason: null,
      lastSeenAt: now,
      statusChangedAt: now,
      lastScanRunId: null,
      lastScanAt: null,
      createdAt: now,
    };
    await repo.insert(host);
    return { host, created: true };
  }

  /**
   * Writes the facts agents sent in their hello (the machine id stays as enrolled) and marks the
   * hosts seen at `seenAt`; a host without facts is only marked seen. On PostgreSQL the rows are
   * locked in id order first. Several entries for one host: the last one wins.
   */
  async recordFacts(
    entries: ReadonlyArray<{ hostId: string; facts: HostFactsInput | null }>,
    seenAt: string,
    manager: EntityManager,
  ): Promise<void> {
    const lock = locksRows(manager);
    const last = new Map(entries.map((e) => [e.hostId, e.facts]));
    const withFacts = [...last].filter((e): e is [string, HostFactsInput] => e[1] !== null);
    if (lock) await selectByIds(manager, 'hosts', 'id', [...last.keys()], true);
    await updateFromValues(
      manager,
      {
        table: 'hosts',
        set: `hostname = v.column2, fqdn = v.column3, os_name = v.column4, os_version = v.column5,
          kernel = v.column6, arch = v.column7, addresses = v.column8, last_seen_at = $1`,
        where: 'hosts.id = v.column1',
      },
      [seenAt],
      withFacts.map(([id, facts]) => {
        const c = factsColumns(facts);
        return [id, c.hostname, c.fqdn, c.osName, c.osVersion, c.kernel, c.arch, c.addresses];
      }),
    );
    await this.markSeen(
      [...last].filter((e) => e[1] === null).map((e) => e[0]),
      seenAt,
      manager,
      false,
    );
  }

  /** Marks the hosts seen at `seenAt` in one statement (on PostgreSQL rows locked in id order). */
  touchLastSeen(hostIds: readonly string[], seenAt: string, manager: EntityManager): Promise<void> {
    return this.markSeen(hostIds, seenAt, manager, locksRows(manager));
  }

  private async markSeen(
    hostIds: readonly string[],
    seenAt: string,
    manager: EntityManager,
    lock: boolean,
  ): Promise<void> {
    const ids = [...new Set(hostIds)].sort();
    if (ids.length === 0) return;
    await rawQuery(
      manager,
      `UPDATE hosts SET last_seen_at = $1 WHERE id IN (${idsLockedInOrder('hosts', ids.length, 2, lock)})`,
      [seenAt, ...ids],
    );
  }

  /**
   * A remediation was recorded: the host is 'remediated' until a verification scan says
   * 'verified' (clean) or 'vulnerable' again; a "who patched it?" flag stays as it is.
   */
  async markRemediated(
    host: HostEntity,
    actor: string,
    commandId: string,
    manager: EntityManager,
  ): Promise<void> {
    if (host.status === 'remediated') return;
    await this.changeStatus(host, 'remediated', actor, { commandId }, new Date(), manager);
    await this.repo(manager).update(
      { id: host.id },
      { status: host.status, statusChangedAt: host.statusChangedAt },
    );
  }

  /**
   * A hunt found signs of exploitation (issue 17): the host is flagged compromise-suspected
   * (unless flagged already: the first reason stays, the timeline gets both), and the timeline
   * (audit) records host.compromise_suspected with the evidence.
   */
  async flagCompromiseSuspected(
    hostId: string,
    reason: string,
    actor: string,
    details: Record<string, unknown>,
    manager: EntityManager,
  ): Promise<void> {
    const host = await this.repo(manager).findOneBy({ id: hostId });
    if (!host) return;
    const flagReason = `compromise-suspected: ${reason}`.slice(0, 255);
    if (!host.flagged) {
      await this.repo(manager).update({ id: hostId }, { flagged: true, flagReason });
      await this.audit.record(
        { actor, action: 'host.flagged', hostId, details: { reason: flagReason, ...details } },
        manager,
      );
    }
    await this.audit.record(
      { actor, action: 'host.compromise_suspected', hostId, details: { reason, ...details } },
      manager,
    );
  }

  /** Moves the entity's status (the caller stores it) and records host.status_changed. */
  private async changeStatus(
    host: HostEntity,
    to: HostStatus,
    actor: string,
    context: Record<string, unknown>,
    at: Date,
    manager: EntityManager,
  ): Promise<void> {
    const event = statusChanged(host.id, host.status, to, actor, context);
    host.status = to;
    host.statusChangedAt = at;
    await this.audit.record(event, manager);
  }

  /**
   * The hosts scan verdicts are applied to; on PostgreSQL locked for the transaction, in id
   * order (ingest batches never deadlock). Hosts that do not exist are missing from the map.
   */
  async forVerdicts(
    hostIds: readonly string[],
    manager: EntityManager,
  ): Promise<Map<string, HostVerdictState>> {
    const lock = locksRows(manager);
    const rows = await selectByIds<{
      id: string;
      status: HostStatus;
      flagged: boolean | number;
      flag_reason: string | null;
      last_scan_run_id: string | null;
    }>(manager, 'hosts', 'id, status, flagged, flag_reason, last_scan_run_id', hostIds, lock);
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

  /**
   * A completed scan becomes the host's current inventory and moves its state (DESIGN's
   * playbook), in memory: returns the audit events of the change; saveVerdicts writes the hosts.
   */
  applyScanVerdict(host: HostVerdictState, verdict: ScanVerdict, at: Date): AuditRecord[] {
    const events: AuditRecord[] = [];
    const outcome = statusAfterScan(host.status, verdict.vulnerable, verdict.remediationRecorded);
    host.lastScanRunId = verdict.scanRunId;
    host.lastScanAt = at.toISOString();
    if (outcome.status !== host.status) {
      events.push(
        statusChanged(host.id, host.status, outcome.status, verdict.actor, {
          scanRunId: verdict.scanRunId,
        }),
      );
      host.status = outcome.status;
      host.statusChangedAt = at.toISOString();
    }
    if (outcome.flagReason && !host.flagged) {
      host.flagged = true;
      host.flagReason = outcome.flagReason;
      events.push({
        actor: verdict.actor,
        action: 'host.flagged',
        hostId: host.id,
        details: { reason: outcome.flagReason, scanRunId: verdict.scanRunId },
      });
    }
    return events;
  }

  /** Writes hosts changed by applyScanVerdict (one UPDATE for many). */
  async saveVerdicts(hosts: readonly HostVerdictState[], manager: EntityManager): Promise<void> {
    await updateFromValues(
      manager,
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

  private repo(manager?: EntityManager): Repository<HostEntity> {
    return manager ? manager.getRepository(HostEntity) : this.hosts;
  }
}

function statusChanged(
  hostId: string,
  from: HostStatus,
  to: HostStatus,
  actor: string,
  context: Record<string, unknown>,
): AuditRecord {
  return { actor, action: 'host.status_changed', hostId, details: { from, to, ...context } };
}

function factsColumns(
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
 * Rows are locked (until the commit) in a transaction on PostgreSQL; SQLite has one writer anyway
 * (and no FOR UPDATE), and outside a transaction a lock would end with its statement.
 */
function locksRows(manager: EntityManager): boolean {
  return (
    manager.connection.options.type === 'postgres' &&
    manager.queryRunner?.isTransactionActive === true
  );
}
