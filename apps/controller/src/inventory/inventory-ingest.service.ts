import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { retryAfterText, type ReportInventoryResponse } from '@log4fleet/contracts';
import { EntityManager } from 'typeorm';
import { AgentPrincipal } from '../agents/agents.dto';
import { AuditService } from '../audit/audit.service';
import { HostsService } from '../hosts/hosts.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { TransactionService, isUniqueViolation } from '../database/transaction.service';
import { diffSnapshots, InventoryChange } from './inventory-diff';
import { parseSnapshot, toSnapshotEntity } from './inventory.mapper';
import { InventorySnapshotsRepository } from './inventory-snapshots.repository';
import type { ValidInventoryReport } from './inventory-validation';

/** Beyond this many changes in one snapshot (a reinstalled host), the rest is one summary event. */
export const MAX_CHANGE_EVENTS = 100;
const HOUR_MS = 3_600_000;

@Injectable()
export class InventoryIngestService {
  constructor(
    private readonly tx: TransactionService,
    private readonly snapshots: InventorySnapshotsRepository,
    private readonly audit: AuditService,
    private readonly hosts: HostsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Stores a snapshot once per (agent, collected_at_ms), diffs it with the host's previous one and
   * records one audit event per change. A snapshot that arrives after a newer one is kept in the
   * history but records no events: its changes were already superseded.
   */
  async ingest(
    principal: AgentPrincipal,
    report: ValidInventoryReport,
  ): Promise<ReportInventoryResponse> {
    await this.refuseOverRate(principal);
    const { hostname } = await this.hosts.get(principal.hostId);
    try {
      return await this.tx.run((manager) => this.store(principal, hostname, report, manager));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The same snapshot raced in on another connection: answer as a duplicate.
      const existing = await this.snapshots.findByKey(principal.agentId, report.collectedAtMs);
      if (!existing) throw error;
      return { snapshotId: existing.id, duplicate: true, changes: existing.changes };
    }
  }

  /**
   * At most INVENTORY_REPORTS_PER_HOUR snapshots of one agent are stored in any hour (sent back
   * to back, they are the burst): an agent could otherwise write megabytes a second. The count
   * comes from the stored rows, so it holds across controller processes and restarts.
   */
  private async refuseOverRate(principal: AgentPrincipal): Promise<void> {
    const max = this.config.limits.inventoryReportsPerHour;
    const now = Date.now();
    const { count, firstAt } = await this.snapshots.storedSince(
      principal.agentId,
      new Date(now - HOUR_MS),
    );
    if (count < max) return;
    const retryAt = new Date((firstAt?.getTime() ?? now) + HOUR_MS);
    const retryS = Math.max(1, Math.ceil((retryAt.getTime() - now) / 1000));
    throw new DomainException(
      DomainErrorCode.ResourceExhausted,
      `agent ${principal.agentId} sent ${count} inventory reports in the last hour (at most ${max}, INVENTORY_REPORTS_PER_HOUR); ${retryAfterText(retryS)} (${retryAt.toISOString()})`,
    );
  }

  private async store(
    principal: AgentPrincipal,
    hostname: string,
    report: ValidInventoryReport,
    manager: EntityManager,
  ): Promise<ReportInventoryResponse> {
    const existing = await this.snapshots.findByKey(
      principal.agentId,
      report.collectedAtMs,
      manager,
    );
    if (existing) return { snapshotId: existing.id, duplicate: true, changes: existing.changes };
    const previous = await this.snapshots.previousOf(
      principal.hostId,
      report.collectedAtMs,
      manager,
    );
    const changes = previous
      ? diffSnapshots(parseSnapshot(previous.snapshot), report.snapshot)
      : [];
    const id = randomUUID();
    const entity = toSnapshotEntity(
      {
        id,
        hostId: principal.hostId,
        hostname,
        agentId: principal.agentId,
        collectedAtMs: report.collectedAtMs,
        snapshot: report.snapshot,
        privilegedAdded: changes.some((c) => c.kind === 'privileged_account_added'),
        changes: changes.length,
      },
      new Date(),
    );
    await this.snapshots.insert(entity, manager);
    if (!(await this.snapshots.hasNewer(principal.hostId, report.collectedAtMs, manager))) {
      await this.recordChanges(principal, id, entity.collectedAt, changes, manager);
    }
    return { snapshotId: id, duplicate: false, changes: changes.length };
  }

  private async recordChanges(
    principal: AgentPrincipal,
    snapshotId: string,
    collectedAt: Date,
    changes: InventoryChange[],
    manager: EntityManager,
  ): Promise<void> {
    const context = { snapshotId, collectedAt: collectedAt.toISOString() };
    for (const change of changes.slice(0, MAX_CHANGE_EVENTS)) {
      await this.audit.record(
        {
          actor: principal.agentId,
          action: `inventory.${change.kind}`,
          hostId: principal.hostId,
          details: { summary: change.summary, ...change.details, ...context },
        },
        manager,
      );
    }
    const rest = changes.slice(MAX_CHANGE_EVENTS);
    if (rest.length === 0) return;
    const byKind: Record<string, number> = {};
    for (const c of rest) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    await this.audit.record(
      {
        actor: principal.agentId,
        action: 'inventory.changes_truncated',
        hostId: principal.hostId,
        details: {
          summary: `${rest.length} more changes not recorded one by one`,
          notRecorded: byKind,
          ...context,
        },
      },
      manager,
    );
  }
}
