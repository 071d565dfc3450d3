import 'reflect-metadata';
import { startController } from '../bootstrap';
import { loggerFor } from '../common/logger';
import { AppConfig, ConfigError, loadConfig } from '../config/app-config';
import { QueueConfigExtension } from '../queues/queue-config';
import { readQueueEnv } from '../queues/queue-env';
import { startWorker } from './start-worker';

/**
 * Entry point with the role switch (until main.ts has it): `--role worker` / ROLE=worker runs
 * queues only; otherwise the full controller, with QUEUE_PREFIX / RUN_WORKERS honoured.
 *   node dist/apps/controller/cluster/controller-main.js [--role worker]
 */
const logger = loggerFor('controller-main');

async function main(): Promise<void> {
  let config: AppConfig & QueueConfigExtension;
  let role: 'all' | 'worker';
  try {
    const extra = readQueueEnv(process.env, process.argv.slice(2));
    role = extra.role;
    config = { ...loadConfig(process.env), queues: extra.queues };
  } catch (error) {
    if (error instanceof ConfigError) logger.error({ problems: error.problems }, error.message);
    else
      logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'invalid configuration',
      );
    process.exitCode = 1;
    return;
  }
  if (role === 'worker') {
    await startWorker(config);
    logger.info({ pid: process.pid }, 'worker process started (queues only)');
    process.stdout.write('worker ready\n');
    return;
  }
  const running = await startController(config);
  logger.info({ http: running.httpUrl, grpc: running.grpcAddress }, 'controller started');
  process.stdout.write(`ready http=${running.httpUrl} grpc=${running.grpcPort}\n`);
  if (running.firstAdminToken)
    process.stdout.write(`first admin token: ${running.firstAdminToken}\n`);
}

main().catch((error: unknown) => {
  logger.error(
    { err: error instanceof Error ? (error.stack ?? error.message) : String(error) },
    'the controller failed to start',
  );
  process.exit(1);
});
