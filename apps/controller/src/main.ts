import 'reflect-metadata';
import { startController } from './bootstrap';
import { loggerFor } from './common/logger';
import { ConfigError, loadConfig } from './config/app-config';

const logger = loggerFor('main');

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.error({ problems: error.problems }, error.message);
    process.exitCode = 1;
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
