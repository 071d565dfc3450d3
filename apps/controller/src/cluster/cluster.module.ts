import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { ConnectionsModule } from '../connections/connections.module';
import { ClusterRouter } from './cluster-router.service';
import { DeliveryModule } from './delivery.module';

/** Several controller processes on one Redis and database behave as one (pushes follow the agent). */
@Module({
  imports: [ConnectionsModule, DeliveryModule, CommandsModule],
  providers: [ClusterRouter],
  exports: [DeliveryModule, ClusterRouter],
})
export class ClusterModule {}
