import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AgentsService } from '../agents/agents.service';
import { AuditService } from '../audit/audit.service';
import { CommandDelivery } from '../cluster/command-delivery.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { HostsService } from '../hosts/hosts.service';
import { InventoryRate } from './inventory-rate';
import { InventoryRefreshDto } from './inventory-refresh.dto';
import { InventorySnapshotsRepository } from './inventory-snapshots.repository';

/**
 * An operator asks a host for a fresh inventory snapshot now (the agent otherwise sends one on
 * connect, every INVENTORY_INTERVAL and after a scan of running processes). The request goes to
 * the agent's stream wherever it is held; the snapshot comes back by ReportInventory, within the
 * agent's INVENTORY_REPORTS_PER_HOUR.
 */
@Injectable()
export class InventoryRefreshService {
  constructor(
    private readonly hosts: HostsService,
    private readonly agents: AgentsService,
    private readonly rate: InventoryRate,
    private readonly delivery: CommandDelivery,
    private readonly snapshots: InventorySnapshotsRepository,
    private readonly audit: AuditService,
  ) {}

  async refresh(hostId: string, actor: string): Promise<InventoryRefreshDto> {
    await this.hosts.get(hostId);
    const agentId = await this.agents.activeAgentOf(hostId);
    if (!agentId)
      throw new DomainException(
        DomainErrorCode.FailedPrecondition,
        `host ${hostId} has no active agent to ask for an inventory (enroll one)`,
      );
    // A request the agent's report would be refused for is refused here, with the same wait.
    await this.rate.refuseOverRate(agentId);
    const previous = await this.snapshots.latest(hostId);
    const requestId = randomUUID();
    const requestedAt = new Date();
    const deliveredTo = await this.delivery.deliver(agentId, {
      kind: {
        $case: 'inventoryRequest',
        value: { requestId, requestedAtMs: requestedAt.getTime() },
      },
    });
    await this.audit.record({
      actor,
      action: 'inventory.refresh_requested',
      hostId,
      details: { agentId, requestId, deliveredTo },
    });
    return {
      hostId,
      agentId,
      requestId,
      requestedAt: requestedAt.toISOString(),
      deliveredTo,
      reachedAgent: deliveredTo !== 'not-connected',
      previousSnapshotId: previous?.id ?? null,
    };
  }
}
