import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditRecord } from '../audit/audit.dto';
import { AuditService } from '../audit/audit.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { parseJsonArray, toJson } from '../common/json-column';
import { Page } from '../common/pagination.dto';
import { TransactionService } from '../database/transaction.service';
import { ContainmentState, HostEntity, HostStatus } from './host.entity';
import {
  FLAG_CLEAN_WITHOUT_REMEDIATION,
  HostEvent,
  HostRecords,
  nextHostState,
} from './host-state';
import { HostDto, HostFactsInput, HostQueryDto } from './hosts.dto';
import { toHostDto } from './hosts.mapper';
import { factsColumns, HostsRepository, HostVerdictState } from './hosts.repository';

export type { HostVerdictState } from './hosts.repository';

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
    private readonly hosts: HostsRepository,
    private readonly audit: AuditService,
    private readonly tx: TransactionService,
  ) {}

  async get(id: string): Promise<HostDto> {
    return toHostDto(await this.require(id));
  }

  async require(id: string): Promise<HostEntity> {
    const host = await this.hosts.findById(id);
    if (!host) throw DomainException.notFound('host', id);
    return host;
  }

  async list(query: HostQueryDto): Promise<Page<HostDto>> {
    const [rows, total] = await this.hosts.page(query);
    return { items: rows.map(toHostDto), total, page: query.page, pageSize: query.pageSize };
  }

  async setTags(id: string, tags: string[], actor: string): Promise<HostDto> {
    const host = await this.require(id);
    const before = parseJsonArray(host.tags);
    host.tags = toJson(tags);
    await this.hosts.setTags(id, host.tags);
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
    return this.tx.run(async () => {
      const host = await this.require(id);
      if (!host.flagged)
        throw new DomainException(DomainErrorCode.Conflict, `host ${id} is not flagged`);
      const reason = host.flagReason;
      if (!(await this.hosts.clearFlag(id)))
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

  /**
   * The host enrolled with this machine id, if any. On PostgreSQL (in the enrollment's
   * transaction) its row stays locked until the commit, so that two enrollments of one machine
   * decide one after the other.
   */
  findForEnrollment(machineId: string): Promise<Pick<HostEntity, 'id' | 'hostname'> | null> {
    return this.hosts.findForEnrollment(machineId);
  }

  /** Enrollment: the host is found by machine id (re-enrolling keeps its history) or created. */
  async upsertForEnrollment(
    facts: HostFactsInput,
    tags: string[],
  ): Promise<{ host: HostEntity; created: boolean }> {
    const existing = await this.hosts.findByMachineId(facts.machineId);
    const now = new Date();
    if (existing) {
      const merged = [...new Set([...parseJsonArray(existing.tags), ...tags])];
      Object.assign(existing, factsColumns(facts), { tags: toJson(merged), lastSeenAt: now });
      await this.hosts.save(existing);
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
    await this.hosts.insert(host);
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
  ): Promise<void> {
    const last = new Map(entries.map((e) => [e.hostId, e.facts]));
    await this.hosts.recordFacts(
      [...last].filter((e): e is [string, HostFactsInput] => e[1] !== null),
      [...last].filter((e) => e[1] === null).map((e) => e[0]),
      seenAt,
    );
  }

  /** Marks the hosts seen at `seenAt` in one statement (on PostgreSQL rows locked in id order). */
  touchLastSeen(hostIds: readonly string[], seenAt: string): Promise<void> {
    return this.hosts.touchLastSeen(hostIds, seenAt);
  }

  /**
   * A remediation was recorded: by the state rule (host-state.ts) the host is 'remediated' until a
   * rescan proves it ('verified') or finds it still vulnerable; a "who patched it?" flag stays.
   */
  async markRemediated(host: HostEntity, actor: string, commandId: string): Promise<void> {
    const next = nextHostState(host.status, 'remediation-recorded', true).status;
    if (next === host.status) return;
    await this.changeStatus(host, next, actor, { commandId }, new Date());
    await this.hosts.saveStatus(host);
  }

  /**
   * What is now true of the host's containment (quarantine/), with its audit event
   * (`containment.<state>`, actor and evidence) and, when `status` is given, the host's status
   * (host.status_changed). In the caller's unit of work; the host row is locked on PostgreSQL.
   */
  async setContainment(hostId: string, change: ContainmentChange, actor: string): Promise<void> {
    if (!(await this.hosts.lock(hostId))) throw DomainException.notFound('host', hostId);
    const host = await this.require(hostId);
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
    await this.hosts.saveContainment(host);
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
  ): Promise<void> {
    const host = await this.hosts.findById(hostId);
    if (!host) return;
    const flagReason = `compromise-suspected: ${reason}`.slice(0, 255);
    if (!host.flagged) {
      await this.hosts.flag(hostId, flagReason);
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
  ): Promise<HostStatus> {
    const host = (await this.forVerdicts([hostId])).get(hostId);
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
    await this.saveVerdicts([host]);
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
  /**
   * The hosts scan verdicts are applied to; on PostgreSQL locked for the transaction, in id
   * order (ingest batches never deadlock). Hosts that do not exist are missing from the map.
   */
  forVerdicts(hostIds: readonly string[]): Promise<Map<string, HostVerdictState>> {
    return this.hosts.forVerdicts(hostIds);
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
  saveVerdicts(hosts: readonly HostVerdictState[]): Promise<void> {
    return this.hosts.saveVerdicts(hosts);
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
