import { Inject, Injectable } from '@nestjs/common';
import { retryAfterText } from '@log4fleet/contracts';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { InventorySnapshotsRepository } from './inventory-snapshots.repository';

const HOUR_MS = 3_600_000;

/**
 * At most INVENTORY_REPORTS_PER_HOUR snapshots of one agent are stored in any hour (sent back
 * to back, they are the burst): an agent could otherwise write megabytes a second. The count
 * comes from the stored rows, so it holds across controller processes and restarts. Read by the
 * ingestion (a report over the limit is refused) and by an operator's refresh (asking an agent
 * for a report it would be refused is refused first, with the same wait).
 */
@Injectable()
export class InventoryRate {
  constructor(
    private readonly snapshots: InventorySnapshotsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Throws RESOURCE_EXHAUSTED (gRPC) / 429 (REST) naming the wait when the agent is at its limit. */
  async refuseOverRate(agentId: string): Promise<void> {
    const max = this.config.limits.inventoryReportsPerHour;
    const now = Date.now();
    const { count, firstAt } = await this.snapshots.storedSince(agentId, new Date(now - HOUR_MS));
    if (count < max) return;
    const retryAt = new Date((firstAt?.getTime() ?? now) + HOUR_MS);
    const retryS = Math.max(1, Math.ceil((retryAt.getTime() - now) / 1000));
    throw new DomainException(
      DomainErrorCode.ResourceExhausted,
      `agent ${agentId} sent ${count} inventory reports in the last hour (at most ${max}, INVENTORY_REPORTS_PER_HOUR); ${retryAfterText(retryS)} (${retryAt.toISOString()})`,
    );
  }
}
