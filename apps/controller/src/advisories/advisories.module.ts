import { Module } from '@nestjs/common';
import { HostsModule } from '../hosts/hosts.module';
import { InventoryModule } from '../inventory/inventory.module';
import { ResultsModule } from '../results/results.module';
import { AdvisoriesController } from './advisories.controller';
import { AdvisoriesService } from './advisories.service';
import { AdvisoryCatalog } from './advisory-catalog.service';

@Module({
  imports: [HostsModule, InventoryModule, ResultsModule],
  controllers: [AdvisoriesController],
  providers: [AdvisoryCatalog, AdvisoriesService],
})
export class AdvisoriesModule {}
