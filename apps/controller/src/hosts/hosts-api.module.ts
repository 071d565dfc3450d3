import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuditModule } from '../audit/audit.module';
import { ProbeStoreModule } from '../probe/probe-store.module';
import { ResultsModule } from '../results/results.module';
import { CommandsModule } from '../commands/commands.module';
import { HostDetailService } from './host-detail.service';
import { HostTimelineService } from './host-timeline.service';
import { HostsController } from './hosts.controller';
import { HostsModule } from './hosts.module';

/** REST for hosts; apart from HostsModule because a host's page also reads agents and findings. */
@Module({
  imports: [
    HostsModule,
    AgentsModule,
    ResultsModule,
    AuditModule,
    CommandsModule,
    ProbeStoreModule,
  ],
  controllers: [HostsController],
  providers: [HostDetailService, HostTimelineService],
})
export class HostsApiModule {}
