import 'reflect-metadata';
import { startController } from './bootstrap';
import { startWorker } from './cluster/start-worker';
import { loggerFor } from './common/logger';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { QueueConfigExtension } from './queues/queue-config';

/**
 *   node dist/apps/controller/main.js [--role worker]
 * The full controller (REST, gRPC for agents, queue workers), or with `--role worker` /
 * ROLE=worker the queues only: several such processes on one Redis and database act as one.
 */
const logger = loggerFor('main');

interface StartupConfig {
  config: AppConfig & QueueConfigExtension;
  role: 'all' | 'worker';
}

function readStartupConfig(): StartupConfig | undefined {
  try {
    // One reader for the environment and the command line (`--role worker`).
    const config = loadConfig(process.env, process.argv.slice(2));
    return { role: config.role, config };
  } catch (error) {
    if (error instanceof ConfigError) logger.error({ problems: error.problems }, error.message);
    else
      logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'invalid configuration',
      );
    return undefined;
  }
}

async function main(): Promise<void> {
  const startup = readStartupConfig();
  if (!startup) {
    process.exitCode = 1;
    return;
  }
  const { config, role } = startup;
  if (role === 'worker') {
    await startWorker(config);
    logger.info({ pid: process.pid }, 'worker process started (queues only)');
    process.stdout.write('worker ready\n');
    return;
  }
  const running = await startController(config);
  logger.info(
    {
      http: `${running.httpUrl}/api/v1`,
      docs: `${running.httpUrl}/api/docs`,
      grpc: running.grpcAddress,
      tls: Boolean(config.grpc.tls),
    },
    `REST API on ${running.httpUrl}/api/v1, OpenAPI at ${running.httpUrl}/api/docs, gRPC for agents on ${running.grpcAddress}${config.grpc.tls ? ' (TLS)' : ' (plaintext: GRPC_INSECURE=1)'}`,
  );
  process.stdout.write(`ready http=${running.httpUrl} grpc=${running.grpcPort}\n`);
  // Shown once: only its hash is stored.
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
