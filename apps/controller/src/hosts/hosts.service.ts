import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AuditRecord } from '../audit/audit.dto';
import { AuditService } from '../audit/audit.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { jsonElementPattern, parseJsonArray, toJson } from '../common/json-column';
import { Page } from '../common/pagination.dto';
import { TransactionService } from '../database/transaction.service';
import { idsLockedInOrder, rawQuery, selectByIds, updateFromValues } from '../database/raw-query';
import { ContainmentState, HostEntity, HostStatus } from './host.entity';
import {
  FLAG_CLEAN_WITHOUT_REMEDIATION,
  HostEvent,
  HostRecords,
  nextHostState,
} from './host-state';
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

/** A change of a host's containment (HostsService.setContainment). */
export interface ContainmentChange {
  state: ContainmentState;
  /** isolate or egress-block; undefined keeps the stored one. */
  mode?: string | null;
  /** The command the containment follows; undefined keeps the stored one. */
  commandId?: string | null;
  /** Evidence or reason: stored on the host and in the audit event. */
  detail: Record<string, unknown>;
  /** The host's status to move to (quarantined, released), when it changes. */
  status?: HostStatus;
}

@Injectable()
export class HostsService {
  constructor(
    @InjectRepository(HostEntity) private readonly hosts: Repository<HostEntity>,
    private readonly audit: AuditService,
    private readonly tx: TransactionService,
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

  /** An admin clears the host's flag, with a note (audited); a host not flagged is a 409. */
  async clearFlag(id: string, note: string, actor: string): Promise<HostDto> {
    return this.tx.run(async (manager) => {
      const host = await this.require(id, manager);
      if (!host.flagged)
        throw new DomainException(DomainErrorCode.Conflict, `host ${id} is not flagged`);
      const reason = host.flagReason;
      const { affected } = await manager
        .getRepository(HostEntity)
        .update({ id, flagged: true }, { flagged: false, flagReason: null });
      if (!affected)
        throw new DomainException(DomainErrorCode.Conflict, `host ${id} is not flagged`);
      host.flagged = false;
      host.flagReason = null;
      await this.audit.record({
        actor,
        action: 'host.flag_cleared',
        hostId: id,
        details: { reason, note },
      });
      return toHostDto(host);
    });
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
      containment: null,
      containmentMode: null,
      containmentCommandId: null,
      containmentChangedAt: null,
      containmentDetail: null,
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
   * A remediation was recorded: by the state rule (host-state.ts) the host is 'remediated' until a
   * rescan proves it ('verified') or finds it still vulnerable; a "who patched it?" flag stays.
   */
  async markRemediated(
    host: HostEntity,
    actor: string,
    commandId: string,
    manager: EntityManager,
  ): Promise<void> {
    const next = nextHostState(host.status, 'remediation-recorded', true).status;
    if (next === host.status) return;
    await this.changeStatus(host, next, actor, { commandId }, new Date());
    await this.repo(manager).update(
      { id: host.id },
      { status: host.status, statusChangedAt: host.statusChangedAt },
    );
  }

  /**
   * What is now true of the host's containment (quarantine/), with its audit event
   * (`containment.<state>`, actor and evidence) and, when `status` is given, the host's status
   * (host.status_changed). In the caller's unit of work; the host row is locked on PostgreSQL.
   */
  async setContainment(
    hostId: string,
    change: ContainmentChange,
    actor: string,
    manager: EntityManager,
  ): Promise<void> {
    const [row] = await selectByIds<{ id: string }>(
      manager,
      'hosts',
      'id',
      [hostId],
      locksRows(manager),
    );
    if (!row) throw DomainException.notFound('host', hostId);
    const host = await this.require(hostId, manager);
    const at = new Date();
    // The host's status follows its one rule (hosts/host-state.ts): a verified quarantine is the
    // 'quarantined' event, a release the 'released' one (which leaves an uncontained host as is).
    const event: HostEvent | undefined =
      change.status === 'quarantined'
        ? 'quarantined'
        : change.status === 'released'
          ? 'released'
          : undefined;
    const next = event ? nextHostState(host.status, event, false).status : undefined;
    if (next && next !== host.status)
      await this.changeStatus(host, next, actor, { commandId: change.commandId }, at);
    host.containment = change.state;
    if (change.mode !== undefined) host.containmentMode = change.mode;
    if (change.commandId !== undefined) host.containmentCommandId = change.commandId;
    host.containmentChangedAt = at;
    host.containmentDetail = toJson(change.detail);
    await this.repo(manager).update(
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
    await this.audit.record({
      actor,
      action: `containment.${change.state}`,
      hostId,
      details: {
        commandId: host.containmentCommandId,
        mode: host.containmentMode,
        ...change.detail,
      },
    });
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
      await this.audit.record({
        actor,
        action: 'host.flagged',
        hostId,
        details: { reason: flagReason, ...details },
      });
    }
    await this.audit.record({
      actor,
      action: 'host.compromise_suspected',
      hostId,
      details: { reason, ...details },
    });
  }

  /**
   * A probe's verdict moves the host by its state rule (host-state.ts): `probe-callback`, or
   * `probe-clean` with what the host's records say. In the caller's unit of work (the probe's
   * ingestion), the host row locked on PostgreSQL; host.status_changed and flag events audited.
   * Returns the host's status after it.
   */
  async applyProbe(
    hostId: string,
    event: 'probe-callback' | 'probe-clean',
    state: { records: HostRecords; remediationPending: boolean },
    context: { actor: string; commandId: string },
    manager: EntityManager,
  ): Promise<HostStatus> {
    const host = (await this.forVerdicts([hostId], manager)).get(hostId);
    if (!host) throw DomainException.notFound('host', hostId);
    const events = this.applyHostEvent(
      host,
      event,
      state.remediationPending,
      context,
      new Date(),
      state.records,
    );
    if (events.length === 0) return host.status;
    await this.saveVerdicts([host], manager);
    await this.audit.recordMany(events);
    return host.status;
  }

  /** Moves the entity's status (the caller stores it) and records host.status_changed. */
  private async changeStatus(
    host: HostEntity,
    to: HostStatus,
    actor: string,
    context: Record<string, unknown>,
    at: Date,
  ): Promise<void> {
    const event = statusChanged(host.id, host.status, to, actor, context);
    host.status = to;
    host.statusChangedAt = at;
    await this.audit.record(event);
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
   * Moves the host by its state rule (host-state.ts) on `event`, in memory: returns the audit
   * events of the change; saveVerdicts writes the hosts.
   */
  applyHostEvent(
    host: HostVerdictState,
    event: HostEvent,
    remediationPending: boolean,
    context: { actor: string; scanRunId?: string; commandId?: string },
    at: Date,
    records?: HostRecords,
  ): AuditRecord[] {
    const { actor, ...ids } = context;
    const events: AuditRecord[] = [];
    const next = nextHostState(host.status, event, remediationPending, records);
    if (next.status !== host.status) {
      events.push(statusChanged(host.id, host.status, next.status, actor, { ...ids, event }));
      host.status = next.status;
      host.statusChangedAt = at.toISOString();
    }
    // An event resolves the flag the rule raised (clean without a recorded remediation); any other
    // flag (a hunt's compromise-suspected) stays until an admin clears it with a note.
    if (
      next.flag === 'clear' &&
      host.flagged &&
      host.flagReason === FLAG_CLEAN_WITHOUT_REMEDIATION
    ) {
      events.push({
        actor,
        action: 'host.flag_cleared',
        hostId: host.id,
        details: { reason: host.flagReason, resolvedBy: event, ...ids },
      });
      host.flagged = false;
      host.flagReason = null;
    } else if (next.flag && next.flag !== 'clear' && !host.flagged) {
      host.flagged = true;
      host.flagReason = next.flag.raise;
      events.push({
        actor,
        action: 'host.flagged',
        hostId: host.id,
        details: { reason: next.flag.raise, ...ids },
      });
    }
    return events;
  }

  /** Writes hosts changed by applyHostEvent (one UPDATE for many). */
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
