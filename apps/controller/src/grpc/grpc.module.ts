import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { CommandsModule } from '../commands/commands.module';
import { ConnectionsModule } from '../connections/connections.module';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { HostsModule } from '../hosts/hosts.module';
import { ResultsModule } from '../results/results.module';
import { InventoryModule } from '../inventory/inventory.module';
import { SigningModule } from '../signing/signing.module';
import { ContainmentModule } from '../quarantine/quarantine.module';
import { AgentServiceHandlers } from './agent-service.handlers';
import { GrpcServerService } from './grpc-server.service';

@Module({
  imports: [
    AgentsModule,
    CommandsModule,
    ConnectionsModule,
    EnrollmentModule,
    HostsModule,
    ResultsModule,
    InventoryModule,
    SigningModule,
    ContainmentModule,
  ],
  providers: [AgentServiceHandlers, GrpcServerService],
  exports: [GrpcServerService],
})
export class GrpcModule {}
