import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { loggerFor } from '../common/logger';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { InventoryRetention } from '../inventory/inventory-retention.service';
import { JobName } from '../queues/queue-names';
import { QueuesService } from '../queues/queues.service';
import { SchedulerReconciler } from '../queues/scheduler-reconciler.service';
import { ResultPayloadRetention } from '../results/result-payload-retention.service';

const DAY_MS = 86_400_000;
const SCHEDULER_ID = 'retention-prune';

export interface PruneOutcome {
  snapshotsDeleted: number;
  payloadsDropped: number;
}

/**
 * What agents send is not kept for ever: inventory snapshots past each host's newest
 * INVENTORY_KEEP_SNAPSHOTS and older than INVENTORY_RETENTION_DAYS are deleted, and the raw
 * bytes of result chunks ingested more than RESULT_PAYLOAD_RETENTION_DAYS ago are dropped. A job
 * scheduler (one for the cluster, rebuilt after Redis lost it) runs it every RETENTION_EVERY_S.
 */
@Injectable()
export class RetentionService implements OnModuleInit {
  private readonly logger = loggerFor(RetentionService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueuesService,
    private readonly reconciler: SchedulerReconciler,
    private readonly snapshots: InventoryRetention,
    private readonly payloads: ResultPayloadRetention,
  ) {}

  onModuleInit(): void {
    this.reconciler.register({
      name: 'retention',
      reconcile: () =>
        this.queues.upsertScheduler(
          SCHEDULER_ID,
          { every: this.config.limits.retentionEveryS * 1000 },
          JobName.RetentionPrune,
          {},
        ),
    });
  }

  async prune(now = new Date()): Promise<PruneOutcome> {
    const limits = this.config.limits;
    const snapshotsDeleted = await this.snapshots.prune(
      limits.inventoryKeepSnapshots,
      new Date(now.getTime() - limits.inventoryRetentionDays * DAY_MS),
    );
    const payloadsDropped = await this.payloads.prune(
      new Date(now.getTime() - limits.resultPayloadRetentionDays * DAY_MS),
    );
    if (snapshotsDeleted > 0 || payloadsDropped > 0)
      this.logger.info({ snapshotsDeleted, payloadsDropped }, 'retention pruned old data');
    return { snapshotsDeleted, payloadsDropped };
  }
}
