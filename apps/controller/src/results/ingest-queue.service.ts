import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { loggerFor } from '../common/logger';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobName, QueueName, jobId } from '../queues/queue-names';
import { QueuesService } from '../queues/queues.service';
import { SchedulerReconciler } from '../queues/scheduler-reconciler.service';
import { ResultChunksRepository } from './result-chunks.repository';
import type { ChunkKey } from './results-ingest.service';

/** How often, and how many chunks at a time, the sweep looks for chunks whose job Redis lost. */
export const SWEEP_EVERY_MS = 30_000;
const SWEEP_BATCH = 1000;
const SWEEP_SCHEDULER_ID = 'results-sweep';

/** The deterministic id of a chunk's ingest job: a retry or a re-enqueue never adds a second one. */
export function ingestJobId(key: Pick<ChunkKey, 'commandId' | 'sequence'>): string {
  return jobId('ingest', key.commandId, key.sequence);
}

/** The results.ingest queue seen from the results feature: enqueue, backpressure, sweep. */
@Injectable()
export class IngestQueue implements OnModuleInit {
  private readonly logger = loggerFor(IngestQueue.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueuesService,
    private readonly chunks: ResultChunksRepository,
    private readonly reconciler: SchedulerReconciler,
  ) {}

  /**
   * The sweep runs every 30 s (one job scheduler for the cluster) and once at each start and
   * each time Redis lost its keys (SchedulerReconciler): chunks stored while Redis was away or
   * whose jobs a flush removed are enqueued again without a restart.
   */
  onModuleInit(): void {
    this.reconciler.register({ name: 'results sweep', reconcile: () => this.scheduleSweep() });
  }

  private async scheduleSweep(): Promise<void> {
    await this.queues.upsertScheduler(
      SWEEP_SCHEDULER_ID,
      { every: SWEEP_EVERY_MS },
      JobName.ResultsSweep,
      {},
    );
    await this.queues.add(
      JobName.ResultsSweep,
      {},
      {
        jobId: jobId('results-sweep-start', Date.now()),
        removeOnComplete: true,
        removeOnFail: 100,
      },
    );
  }

  /** Ingest jobs that run at once, and so the most chunks one ingest transaction takes. */
  get batchSize(): number {
    return this.queues.settings.batchSize;
  }

  /** RESOURCE_EXHAUSTED while more chunks than the configured limit wait for ingestion. */
  async refuseWhenBehind(): Promise<void> {
    let waiting: number;
    try {
      waiting = await this.waiting();
    } catch (error) {
      // Redis away: the chunk is still kept in the database (the truth), and the sweep enqueues it later.
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'could not read the ingest backlog; accepting the upload',
      );
      return;
    }
    if (waiting <= this.config.ingestMaxWaiting) return;
    throw new DomainException(
      DomainErrorCode.ResourceExhausted,
      `result ingestion is behind (${waiting} chunks waiting, limit ${this.config.ingestMaxWaiting}); keep the chunk and retry later`,
    );
  }

  async waiting(): Promise<number> {
    return this.queues.queue(QueueName.ResultsIngest).getJobCountByTypes('wait', 'prioritized');
  }

  async enqueue(key: ChunkKey): Promise<void> {
    await this.queues.add(JobName.ResultsIngest, key, { jobId: ingestJobId(key) });
  }

  /** After the chunks are stored: a failed enqueue is left to the sweep rather than failing the upload. */
  async enqueueSafely(keys: readonly ChunkKey[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.queues.addBulk(
        JobName.ResultsIngest,
        keys.map((key) => ({ data: key, jobId: ingestJobId(key) })),
      );
    } catch (error) {
      this.logger.warn(
        { chunks: keys.length, err: error instanceof Error ? error.message : String(error) },
        'could not enqueue stored chunks; the sweep will',
      );
    }
  }

  /**
   * Re-enqueues chunks received but not ingested whose job is gone (Redis lost it) or failed
   * for good; a job still waiting, delayed or running is left alone. Returns how many it enqueued.
   */
  async sweep(): Promise<number> {
    const pending = await this.chunks.pendingKeys(SWEEP_BATCH);
    let enqueued = 0;
    for (const key of pending) if (await this.requeue(key)) enqueued++;
    if (enqueued > 0)
      this.logger.warn({ enqueued }, 're-enqueued result chunks that had no live ingest job');
    return enqueued;
  }

  /**
   * Gives a stored chunk a live ingest job again: a failed job is retried, a missing or completed
   * one (stale, with the chunk still pending) replaced; a job waiting, delayed or running is left
   * alone. Returns whether it enqueued.
   */
  async requeue(key: ChunkKey): Promise<boolean> {
    const job = await this.queues.queue(QueueName.ResultsIngest).getJob(ingestJobId(key));
    const state = job ? await job.getState() : 'missing';
    if (state === 'failed' && job) {
      await job.retry('failed');
      return true;
    }
    if (state === 'completed' || state === 'missing' || state === 'unknown') {
      if (job) await job.remove();
      await this.enqueue(key);
      return true;
    }
    return false;
  }
}
