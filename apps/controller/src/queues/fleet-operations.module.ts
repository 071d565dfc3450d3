import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { ClusterModule } from '../cluster/cluster.module';
import { ResultsModule } from '../results/results.module';
import { RetentionModule } from '../retention/retention.module';
import { SchedulesModule } from '../schedules/schedules.module';
import { VerificationModule } from '../verification/verification.module';
import { QueuesModule } from './queues.module';

/** Everything that runs on BullMQ (campaigns, schedules, verification rescans, result ingestion, retention) and the multi-process routing: one entry in AppModule. */
@Module({
  imports: [
    QueuesModule,
    ClusterModule,
    CampaignsModule,
    SchedulesModule,
    ResultsModule,
    VerificationModule,
    RetentionModule,
  ],
})
export class FleetOperationsModule {}
