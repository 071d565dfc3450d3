import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { ClusterModule } from '../cluster/cluster.module';
import { SchedulesModule } from '../schedules/schedules.module';
import { QueuesModule } from './queues.module';

/** Everything that runs on BullMQ (campaigns, schedules) and the multi-process routing: one entry in AppModule. */
@Module({ imports: [QueuesModule, ClusterModule, CampaignsModule, SchedulesModule] })
export class FleetOperationsModule {}
