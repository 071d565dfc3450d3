import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'bullmq';
import type Redis from 'ioredis';
import { loggerFor } from '../common/logger';
import { JobRegistry } from './job-registry.service';
import { ALL_QUEUES, QueueName } from './queue-names';
import { QueuesService } from './queues.service';
import { createRedisConnection } from './redis-connection.factory';

/**
 * Concurrency per queue. Host dispatch and result ingestion jobs that run at once are handed to
 * one batch (MicroBatcher: one transaction, set-based statements), so their concurrency is the
 * largest batch ('batch': QueueSettings.batchSize, 128 on PostgreSQL, 64 on SQLite). Measured
 * with bench:fleet before batching, 32 dispatch and 16 ingest jobs at once, each with its own
 * transaction, made a 1,000-host campaign on PostgreSQL twice as slow.
 */
const CONCURRENCY: Record<QueueName, number | 'batch'> = {
  [QueueName.Campaigns]: 4,
  [QueueName.CampaignHosts]: 'batch',
  [QueueName.CampaignMaintenance]: 4,
  [QueueName.Schedules]: 2,
  // Chunks of one command serialize on the command's row lock (and in one batch, by sequence).
  [QueueName.ResultsIngest]: 'batch',
  [QueueName.ResultsMaintenance]: 1,
};

function concurrencyOf(queue: QueueName, batchSize: number): number {
  const concurrency = CONCURRENCY[queue];
  return concurrency === 'batch' ? batchSize : concurrency;
}

/** Global ceiling on host dispatches (BullMQ's limiter is per queue, across processes): a safety net under each campaign's own pace. */
const HOST_DISPATCH_LIMIT = { max: 2500, duration: 1000 };

/**
 * One BullMQ Worker per queue, started after the handler check passed; closed while the
 * database is still open (module destroy runs before the TypeORM shutdown), so a SIGTERM
 * lets running jobs finish and leaves the others for another process.
 */
@Injectable()
export class WorkersService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = loggerFor(WorkersService.name);
  private readonly workers: Array<{ worker: Worker; connection: Redis }> = [];

  constructor(
    private readonly registry: JobRegistry,
    private readonly queues: QueuesService,
  ) {}

  get running(): number {
    return this.workers.length;
  }

  onApplicationBootstrap(): void {
    this.registry.load();
    if (!this.queues.settings.runWorkers) return;
    const { redisUrl, prefix, lockDurationMs, batchSize } = this.queues.settings;
    for (const queue of ALL_QUEUES) {
      const connection = createRedisConnection(redisUrl, 'worker', `worker:${queue}`);
      const worker = new Worker(queue, (job) => this.registry.dispatch(queue, job), {
        connection,
        prefix,
        concurrency: concurrencyOf(queue, batchSize),
        lockDuration: lockDurationMs,
        ...(queue === QueueName.CampaignHosts ? { limiter: HOST_DISPATCH_LIMIT } : {}),
        stalledInterval: lockDurationMs,
      });
      worker.on('failed', (job, error) =>
        this.logger.warn(
          { queue, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: error.message },
          'job failed',
        ),
      );
      worker.on('error', (error) =>
        this.logger.warn({ queue, err: error.message }, 'worker error'),
      );
      this.workers.push({ worker, connection });
    }
    this.logger.info({ queues: ALL_QUEUES, prefix }, 'queue workers started');
  }

  async onModuleDestroy(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.allSettled(
      workers.map(async ({ worker, connection }) => {
        await worker.close();
        connection.disconnect();
      }),
    );
  }
}
