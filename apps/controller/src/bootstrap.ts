import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { ApiTokensService } from './auth/api-tokens.service';
import { LARGE_BODY_LIMIT, requireJsonBody, verifyBodyLimit } from './common/http-body';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { PinoNestLogger, setLogLevel } from './common/logger';
import { RequestInputPipe } from './common/request-input.pipe';
import { AppConfig } from './config/app-config';
import { GrpcServerService } from './grpc/grpc-server.service';

export interface RunningController {
  app: INestApplication;
  httpUrl: string;
  grpcAddress: string;
  grpcPort: number;
  /** A newly created admin token when none existed (print it once), else null. */
  firstAdminToken: string | null;
}

/** Builds and starts the controller; shared by main.ts and the test harness. */
export async function startController(config: AppConfig): Promise<RunningController> {
  setLogLevel(config.logLevel);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: new PinoNestLogger(),
    bodyParser: false,
  });
  app.disable('x-powered-by');
  // JSON only (no forms), each route held to its limit (http-body.ts).
  app.use(requireJsonBody);
  // useBodyParser's type hides `verify` (Nest's rawBody uses it); body-parser takes it as given.
  const jsonOptions = { limit: LARGE_BODY_LIMIT, verify: verifyBodyLimit };
  app.useBodyParser('json', jsonOptions);
  app.setGlobalPrefix('api/v1');
  app.useGlobalPipes(
    new RequestInputPipe(),
    new ValidationPipe({ whitelist: true, transform: true, forbidNonWhitelisted: true }),
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('log4fleet controller')
      .setDescription('Find and contain Log4Shell across a fleet')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  await app.listen(config.http.port, config.http.host);
  const firstAdminToken = await app.get(ApiTokensService).ensureAdmin(config.adminToken);
  const server = app.getHttpServer() as { address(): { port: number } };
  const address = server.address();
  const grpc = app.get(GrpcServerService);
  return {
    app,
    httpUrl: `http://${config.http.host}:${address.port}`,
    grpcAddress: grpc.address,
    grpcPort: grpc.boundPort,
    firstAdminToken,
  };
}
