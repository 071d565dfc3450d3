import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { ConnectionsModule } from '../connections/connections.module';
import { AgentDirectory } from './agent-directory.service';
import { ClusterRouter } from './cluster-router.service';

/** Several controller processes on one Redis and database behave as one (pushes follow the agent). */
@Module({
  imports: [ConnectionsModule, CommandsModule],
  providers: [AgentDirectory, ClusterRouter],
  exports: [AgentDirectory, ClusterRouter],
})
export class ClusterModule {}
