import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PinoNestLogger, setLogLevel } from '../common/logger';
import { AppConfig } from '../config/app-config';
import { QueueConfigExtension } from '../queues/queue-config';
import { WorkerAppModule } from './worker.module';

/** Starts a queue-only process (ROLE=worker): campaign fan-out, monitors, schedules; closes its workers on SIGTERM. */
export async function startWorker(
  config: AppConfig & QueueConfigExtension,
): Promise<INestApplicationContext> {
  setLogLevel(config.logLevel);
  const app = await NestFactory.createApplicationContext(
    WorkerAppModule.forRoot({
      ...config,
      queues: { ...config.queues, runWorkers: true },
    }),
    {
      logger: new PinoNestLogger(),
    },
  );
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.init();
  return app;
}
