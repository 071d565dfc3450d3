import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { loggerFor } from '../common/logger';
import { QueuesService } from './queues.service';

/**
 * A feature whose repeatable jobs (job schedulers) and pending delayed jobs are derived from its
 * database rows: reconcile() gives every row that needs one its scheduler or job again, and
 * leaves those that exist alone (it runs at every start and after Redis lost its data).
 */
export interface SchedulerSource {
  readonly name: string;
  reconcile(): Promise<void>;
}

/** The key whose absence says that Redis lost this deployment's keys since the last reconcile. */
export const RECONCILED_MARKER = 'reconciled';

/**
 * The database is the truth, Redis a cache of what must run when. Job schedulers live only in
 * Redis: a FLUSHALL, or a Redis restarted without persistence, would stop schedules, campaign
 * monitors and the result sweep for good. This service rebuilds them from the database at start
 * and whenever a marker key it keeps under the queue prefix is gone: one EXISTS per check, which
 * also catches a flush that never dropped the connection (no 'ready' event to wait for).
 */
@Injectable()
export class SchedulerReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = loggerFor(SchedulerReconciler.name);
  private readonly sources: SchedulerSource[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<boolean> | null = null;
  private lastCheckError = 0;

  constructor(private readonly queues: QueuesService) {}

  /** Called by each feature when its module initialises (before the first reconcile). */
  register(source: SchedulerSource): void {
    this.sources.push(source);
  }

  onApplicationBootstrap(): void {
    // Not awaited: a controller starts (and reports Redis down on /health) while Redis is away;
    // the periodic check reconciles once it is back.
    void this.reconcileAll();
    this.timer = setInterval(() => void this.check(), this.queues.settings.reconcileEveryMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reconciles when the marker is gone (Redis flushed or restarted empty). Returns whether it did. */
  async check(): Promise<boolean> {
    if (this.running) return false;
    let present: boolean;
    try {
      present = (await this.queues.redis().exists(this.markerKey())) === 1;
    } catch (error) {
      this.warnRarely(error);
      return false;
    }
    if (present) return false;
    this.logger.warn(
      { prefix: this.queues.settings.prefix },
      'Redis lost the queue keys; rebuilding job schedulers from the database',
    );
    return this.reconcileAll();
  }

  /** Every source, each on its own (one failing does not stop the others); true if all succeeded. */
  reconcileAll(): Promise<boolean> {
    if (!this.running)
      this.running = this.reconcileSources().finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async reconcileSources(): Promise<boolean> {
    const marker = this.markerKey();
    try {
      // Set first: a flush during the reconcile removes it again, and the next check redoes it.
      await this.queues.redis().set(marker, new Date().toISOString());
    } catch (error) {
      this.warnRarely(error);
      return false;
    }
    let ok = true;
    for (const source of this.sources) {
      try {
        await source.reconcile();
      } catch (error) {
        ok = false;
        this.logger.warn(
          { source: source.name, err: error instanceof Error ? error.message : String(error) },
          'could not reconcile job schedulers; retrying at the next check',
        );
      }
    }
    if (!ok)
      await this.queues
        .redis()
        .del(marker)
        .catch(() => undefined);
    return ok;
  }

  private markerKey(): string {
    return `${this.queues.settings.prefix}:${RECONCILED_MARKER}`;
  }

  private warnRarely(error: unknown): void {
    const now = Date.now();
    if (now - this.lastCheckError < 30_000) return;
    this.lastCheckError = now;
    this.logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'could not check the job schedulers (Redis away?); retrying',
    );
  }
}
