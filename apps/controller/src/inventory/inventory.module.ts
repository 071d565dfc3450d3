import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { AuditModule } from '../audit/audit.module';
import { DeliveryModule } from '../cluster/delivery.module';
import { HostsModule } from '../hosts/hosts.module';
import { HostInventoryController } from './host-inventory.controller';
import { InventoryController } from './inventory.controller';
import { InventoryGrpcHandler } from './inventory-grpc.handler';
import { InventoryIngestService } from './inventory-ingest.service';
import { InventoryRate } from './inventory-rate';
import { InventoryRefreshService } from './inventory-refresh.service';
import { InventoryRetention } from './inventory-retention.service';
import { InventoryService } from './inventory.service';
import { InventorySnapshotEntity } from './inventory-snapshot.entity';
import { InventorySnapshotsRepository } from './inventory-snapshots.repository';

/** What the database setup must know about this feature (entities.ts ENTITIES / MIGRATIONS). */
export const INVENTORY_ENTITIES = [InventorySnapshotEntity];

@Module({
  imports: [
    TypeOrmModule.forFeature(INVENTORY_ENTITIES),
    AuditModule,
    HostsModule,
    AgentsModule,
    DeliveryModule,
  ],
  controllers: [HostInventoryController, InventoryController],
  providers: [
    InventorySnapshotsRepository,
    InventoryIngestService,
    InventoryRate,
    InventoryRefreshService,
    InventoryService,
    InventoryGrpcHandler,
    InventoryRetention,
  ],
  exports: [InventoryGrpcHandler, InventoryService, InventoryRetention],
})
export class InventoryModule {}
