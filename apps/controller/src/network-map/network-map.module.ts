import { Module } from '@nestjs/common';
import { HostsModule } from '../hosts/hosts.module';
import { InventoryModule } from '../inventory/inventory.module';
import { NetworkMapController } from './network-map.controller';
import { NetworkMapService } from './network-map.service';

@Module({
  imports: [HostsModule, InventoryModule],
  controllers: [NetworkMapController],
  providers: [NetworkMapService],
})
export class NetworkMapModule {}
