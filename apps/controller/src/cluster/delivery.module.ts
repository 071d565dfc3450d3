import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module';
import { AgentDirectory } from './agent-directory.service';
import { CommandDelivery } from './command-delivery.service';

/** How a push reaches an agent: this process's stream, or the process that holds it. */
@Module({
  imports: [ConnectionsModule],
  providers: [AgentDirectory, CommandDelivery],
  exports: [AgentDirectory, CommandDelivery],
})
export class DeliveryModule {}
