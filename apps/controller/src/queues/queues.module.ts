import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobRegistry } from './job-registry.service';
import { QueuesService } from './queues.service';
import { SchedulerReconciler } from './scheduler-reconciler.service';
import { WorkersService } from './workers.service';

/** BullMQ for the whole controller: producers, the job registry and the workers. */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [QueuesService, JobRegistry, WorkersService, SchedulerReconciler],
  exports: [QueuesService, SchedulerReconciler],
})
export class QueuesModule {}
