import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { RunScheduleJob } from './run-schedule.job';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';

@Module({
  imports: [AuditModule, CampaignsModule],
  controllers: [SchedulesController],
  providers: [SchedulesService, RunScheduleJob],
})
export class SchedulesModule {}
