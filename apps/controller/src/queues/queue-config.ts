import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { AppConfig, DatabaseConfig } from '../config/app-config';

/**
 * Settings of the queue layer derived from AppConfig: its `queues` (read and validated by
 * loadConfig from QUEUE_PREFIX, RUN_WORKERS, CAMPAIGN_MONITOR_MS ...; tests may set more) over
 * QUEUE_DEFAULTS.
 */
export interface QueueSettings {
  redisUrl: string;
  /** Namespaces every BullMQ and cluster key: one prefix per deployment (or per test suite). */
  prefix: string;
  /** Whether this process runs the BullMQ workers (false for an API-only replica). */
  runWorkers: boolean;
  /** How often a campaign's monitor job runs. */
  monitorEveryMs: number;
  /** Heartbeat of this process in the cluster directory. */
  clusterHeartbeatMs: number;
  /** BullMQ job lock: how soon a job of a killed process is picked up again (stalled check runs at this period). */
  lockDurationMs: number;
  /**
   * Host dispatch and result ingestion jobs that run at once (each queue's worker concurrency),
   * and so the most of them one transaction takes (MicroBatcher): see batchSizeFor.
   */
  batchSize: number;
  /**
   * How often each process checks that Redis still holds its job schedulers (one EXISTS on a
   * marker key) and rebuilds them from the database when it does not.
   */
  reconcileEveryMs: number;
}

export interface QueueConfigExtension {
  queues?: Partial<Omit<QueueSettings, 'redisUrl'>>;
}

/**
 * PostgreSQL gains from bigger batches (fewer statements and round trips, and its backends work
 * on the other cores meanwhile); SQLite runs each batch inside the controller's event loop, so a
 * bigger one blocks it longer. Measured, 10,000-host campaign on 2 cores (`bench-fleet.mjs
 * --agents=10000`, same code but for the size): PostgreSQL 20.9 s with 64 and 16.7 s with 128;
 * SQLite 15.8 s with 64 and 19.9 s with 128 (uploads refused while ingestion fell behind).
 */
export function batchSizeFor(database: DatabaseConfig): number {
  return database.type === 'postgres' ? 128 : 64;
}

export const QUEUE_DEFAULTS: Omit<QueueSettings, 'redisUrl' | 'batchSize'> = {
  prefix: 'l4f',
  runWorkers: true,
  monitorEveryMs: 2_000,
  clusterHeartbeatMs: 5_000,
  lockDurationMs: 30_000,
  reconcileEveryMs: 10_000,
};

/**
 * Without an explicit prefix, the prefix names the database: queue jobs refer to database rows,
 * so only processes on the same database may share queues. Controllers (or test suites) on
 * different databases but one Redis then never take each other's jobs. Set QUEUE_PREFIX in
 * production so that two spellings of one DATABASE_URL cannot split a cluster.
 */
export function defaultPrefixFor(database: DatabaseConfig): string {
  const identity = database.type === 'postgres' ? database.url : `sqlite:${resolve(database.path)}`;
  return `${QUEUE_DEFAULTS.prefix}-${createHash('sha256').update(identity).digest('hex').slice(0, 10)}`;
}

export function queueSettingsOf(config: AppConfig & QueueConfigExtension): QueueSettings {
  const overrides = config.queues ?? {};
  const prefix = overrides.prefix ?? defaultPrefixFor(config.database);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix))
    throw new Error(`queue prefix "${prefix}" must be 1-64 of A-Z a-z 0-9 _ . -`);
  return {
    ...QUEUE_DEFAULTS,
    batchSize: batchSizeFor(config.database),
    ...overrides,
    prefix,
    redisUrl: config.redisUrl,
  };
}
