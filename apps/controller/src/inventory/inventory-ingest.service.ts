import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ReportInventoryResponse } from '@log4fleet/contracts';
import { AgentPrincipal } from '../agents/agents.dto';
import { AuditService } from '../audit/audit.service';
import { HostsService } from '../hosts/hosts.service';
import { TransactionService, isUniqueViolation } from '../database/transaction.service';
import { diffSnapshots, InventoryChange } from './inventory-diff';
import { parseSnapshot, toSnapshotEntity } from './inventory.mapper';
import { InventoryRate } from './inventory-rate';
import { InventorySnapshotsRepository } from './inventory-snapshots.repository';
import type { ValidInventoryReport } from './inventory-validation';

/** Beyond this many changes in one snapshot (a reinstalled host), the rest is one summary event. */
export const MAX_CHANGE_EVENTS = 100;

@Injectable()
export class InventoryIngestService {
  constructor(
    private readonly tx: TransactionService,
    private readonly snapshots: InventorySnapshotsRepository,
    private readonly audit: AuditService,
    private readonly hosts: HostsService,
    private readonly rate: InventoryRate,
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
    await this.rate.refuseOverRate(principal.agentId);
    const { hostname } = await this.hosts.get(principal.hostId);
    try {
      return await this.tx.run(() => this.store(principal, hostname, report));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The same snapshot raced in on another connection: answer as a duplicate.
      const existing = await this.snapshots.findByKey(principal.agentId, report.collectedAtMs);
      if (!existing) throw error;
      return { snapshotId: existing.id, duplicate: true, changes: existing.changes };
    }
  }

  private async store(
    principal: AgentPrincipal,
    hostname: string,
    report: ValidInventoryReport,
  ): Promise<ReportInventoryResponse> {
    const existing = await this.snapshots.findByKey(principal.agentId, report.collectedAtMs);
    if (existing) return { snapshotId: existing.id, duplicate: true, changes: existing.changes };
    const previous = await this.snapshots.previousOf(principal.hostId, report.collectedAtMs);
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
    await this.snapshots.insert(entity);
    if (!(await this.snapshots.hasNewer(principal.hostId, report.collectedAtMs))) {
      await this.recordChanges(principal, id, entity.collectedAt, changes);
    }
    return { snapshotId: id, duplicate: false, changes: changes.length };
  }

  private async recordChanges(
    principal: AgentPrincipal,
    snapshotId: string,
    collectedAt: Date,
    changes: InventoryChange[],
  ): Promise<void> {
    const context = { snapshotId, collectedAt: collectedAt.toISOString() };
    for (const change of changes.slice(0, MAX_CHANGE_EVENTS)) {
      await this.audit.record({
        actor: principal.agentId,
        action: `inventory.${change.kind}`,
        hostId: principal.hostId,
        details: { summary: change.summary, ...change.details, ...context },
      });
    }
    const rest = changes.slice(MAX_CHANGE_EVENTS);
    if (rest.length === 0) return;
    const byKind: Record<string, number> = {};
    for (const c of rest) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    await this.audit.record({
      actor: principal.agentId,
      action: 'inventory.changes_truncated',
      hostId: principal.hostId,
      details: {
        summary: `${rest.length} more changes not recorded one by one`,
        notRecorded: byKind,
        ...context,
      },
    });
  }
}
