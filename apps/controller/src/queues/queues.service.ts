import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import {
  FlowJob,
  FlowProducer,
  JobsOptions,
  JobSchedulerTemplateOptions,
  Queue,
  RepeatOptions,
} from 'bullmq';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { queueSettingsOf, QueueSettings } from './queue-config';
import { ALL_QUEUES, JOB_QUEUE, JobName, QueueName } from './queue-names';
import { createRedisConnection } from './redis-connection.factory';

/** Retries with backoff for every job: a Redis or database hiccup must not lose a host. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Producers: one Queue per name and one FlowProducer on a shared connection. */
@Injectable()
export class QueuesService implements OnApplicationShutdown {
  readonly settings: QueueSettings;
  private readonly connection: Redis;
  private readonly queues = new Map<QueueName, Queue>();
  private readonly flows: FlowProducer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.settings = queueSettingsOf(config);
    this.connection = createRedisConnection(this.settings.redisUrl, 'producer', 'queues');
    for (const name of ALL_QUEUES) {
      const queue = new Queue(name, {
        connection: this.connection,
        prefix: this.settings.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      // The connection logs its own errors (rate-limited); without a listener BullMQ prints each one.
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    this.flows = new FlowProducer({ connection: this.connection, prefix: this.settings.prefix });
    this.flows.on('error', () => undefined);
  }

  queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`unknown queue ${name}`);
    return queue;
  }

  queueOf(name: JobName): QueueName {
    return JOB_QUEUE[name];
  }

  /** The producers' connection, for the few plain commands outside BullMQ (the reconcile marker). */
  redis(): Redis {
    return this.connection;
  }

  /** Adds a job on its queue; a job id already present is a no-op (deterministic ids make retries safe). */
  async add<T>(name: JobName, data: T, opts: JobsOptions & { jobId: string }): Promise<void> {
    await this.queue(JOB_QUEUE[name]).add(name, data, { ...DEFAULT_JOB_OPTIONS, ...opts });
  }

  /** add() for many jobs of one name in one round trip. */
  async addBulk<T>(name: JobName, jobs: ReadonlyArray<{ data: T; jobId: string }>): Promise<void> {
    await this.queue(JOB_QUEUE[name]).addBulk(
      jobs.map((job) => ({
        name,
        data: job.data,
        opts: { ...DEFAULT_JOB_OPTIONS, jobId: job.jobId },
      })),
    );
  }

  async addFlow(flow: FlowJob): Promise<void> {
    await this.flows.add(flow);
  }

  async upsertScheduler<T>(
    id: string,
    repeat: Omit<RepeatOptions, 'key'>,
    name: JobName,
    data: T,
    opts: JobSchedulerTemplateOptions = {},
  ): Promise<void> {
    await this.queue(JOB_QUEUE[name]).upsertJobScheduler(id, repeat, {
      name,
      data,
      opts: {
        attempts: DEFAULT_JOB_OPTIONS.attempts,
        backoff: DEFAULT_JOB_OPTIONS.backoff,
        removeOnComplete: true,
        removeOnFail: 1000,
        ...opts,
      },
    });
  }

  async hasScheduler(name: JobName, id: string): Promise<boolean> {
    return Boolean(await this.queue(JOB_QUEUE[name]).getJobScheduler(id));
  }

  async removeScheduler(name: JobName, id: string): Promise<void> {
    await this.queue(JOB_QUEUE[name]).removeJobScheduler(id);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([
      ...[...this.queues.values()].map((q) => q.close()),
      this.flows.close(),
    ]);
    this.connection.disconnect();
  }
}
