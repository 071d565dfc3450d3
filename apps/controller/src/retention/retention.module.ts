import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory/inventory.module';
import { ResultsModule } from '../results/results.module';
import { PruneRetentionJob } from './prune-retention.job';
import { RetentionService } from './retention.service';

/** Retention of what agents upload (inventory snapshots, result chunk payloads). */
@Module({
  imports: [InventoryModule, ResultsModule],
  providers: [RetentionService, PruneRetentionJob],
  exports: [RetentionService],
})
export class RetentionModule {}
