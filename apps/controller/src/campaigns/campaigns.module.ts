import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ClusterModule } from '../cluster/cluster.module';
import { CommandsModule } from '../commands/commands.module';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import { CampaignReportService } from './campaign-report.service';
import { CampaignRunner } from './campaign-runner.service';
import { CampaignsController } from './campaigns.controller';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { CampaignDispatchedJob } from './jobs/campaign-dispatched.job';
import { CampaignExpireJob } from './jobs/campaign-expire.job';
import { CampaignFanoutJob } from './jobs/campaign-fanout.job';
import { CampaignMonitorJob } from './jobs/campaign-monitor.job';
import { DispatchHostJob } from './jobs/dispatch-host.job';

@Module({
  imports: [AuditModule, CommandsModule, ClusterModule],
  controllers: [CampaignsController],
  providers: [
    CampaignsRepository,
    CampaignsService,
    CampaignRunner,
    CampaignLifecycle,
    CampaignReportService,
    DispatchHostJob,
    CampaignDispatchedJob,
    CampaignMonitorJob,
    CampaignExpireJob,
    CampaignFanoutJob,
  ],
  exports: [CampaignsService],
})
export class CampaignsModule {}
