import { QueueConfigExtension } from './queue-config';

type Env = Record<string, string | undefined>;

/**
 * Queue and role settings from the environment, for entry points (like loadConfig, called once
 * with process.env). QUEUE_PREFIX namespaces the Redis keys; ROLE=worker (or --role worker) runs
 * queues only; RUN_WORKERS=0 makes an API-only replica. To move into the core's loadConfig.
 */
export function readQueueEnv(
  env: Env,
  argv: readonly string[] = [],
): QueueConfigExtension & { role: 'all' | 'worker' } {
  const roleArg = argv.indexOf('--role');
  const role = (roleArg >= 0 ? argv[roleArg + 1] : env.ROLE) ?? 'all';
  if (role !== 'all' && role !== 'worker')
    throw new Error(`ROLE must be "all" or "worker", got "${role}"`);
  const queues: NonNullable<QueueConfigExtension['queues']> = {};
  if (env.QUEUE_PREFIX) queues.prefix = env.QUEUE_PREFIX;
  if (env.RUN_WORKERS === '0') queues.runWorkers = false;
  if (env.CAMPAIGN_MONITOR_MS)
    queues.monitorEveryMs = Math.max(100, Number(env.CAMPAIGN_MONITOR_MS) || 2000);
  if (env.CLUSTER_HEARTBEAT_MS)
    queues.clusterHeartbeatMs = Math.max(100, Number(env.CLUSTER_HEARTBEAT_MS) || 5000);
  if (env.JOB_LOCK_MS) queues.lockDurationMs = Math.max(1000, Number(env.JOB_LOCK_MS) || 30_000);
  if (env.SCHEDULER_CHECK_MS)
    queues.reconcileEveryMs = Math.max(100, Number(env.SCHEDULER_CHECK_MS) || 10_000);
  return { role, queues };
}
