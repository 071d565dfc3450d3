import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuditModule } from '../audit/audit.module';
import { DeliveryModule } from '../cluster/delivery.module';
import { HostsModule } from '../hosts/hosts.module';
import { CommandsController } from './commands.controller';
import { CommandCreation } from './command-creation';
import { CommandEndings } from './command-endings';
import { CommandPending } from './command-pending';
import { CommandReports } from './command-reports';
import { CommandsRepository } from './commands.repository';
import { CommandsService } from './commands.service';

@Module({
  imports: [AuditModule, DeliveryModule, HostsModule, AgentsModule],
  controllers: [CommandsController],
  providers: [
    CommandsService,
    CommandsRepository,
    CommandReports,
    CommandCreation,
    CommandEndings,
    CommandPending,
  ],
  exports: [CommandsService],
})
export class CommandsModule {}
