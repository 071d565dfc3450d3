import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Global, Module, ValidationPipe } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import type { ReportInventoryRequest, ReportInventoryResponse } from '@log4fleet/contracts';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { ApiTokensService } from '../src/auth/api-tokens.service';
import { HttpExceptionFilter } from '../src/common/http-exception.filter';
import { setLogLevel } from '../src/common/logger';
import { AppConfig, loadConfig } from '../src/config/app-config';
import { APP_CONFIG } from '../src/config/config.module';
import { dataSourceOptions } from '../src/database/data-source-options';
import { DatabaseModule } from '../src/database/database.module';
import { ENTITIES, MIGRATIONS } from '../src/database/entities';
import { TransactionService } from '../src/database/transaction.service';
import { AgentServiceHandlers } from '../src/grpc/agent-service.handlers';
import { GrpcServerService } from '../src/grpc/grpc-server.service';
import { InventoryGrpcHandler } from '../src/inventory/inventory-grpc.handler';
import {
  INVENTORY_ENTITIES,
  INVENTORY_MIGRATIONS,
  InventoryModule,
} from '../src/inventory/inventory.module';
import type { TestAgent } from './support/agent-client';
import type { TestController, TestDatabase } from './support/test-controller';

// Until the lead wires InventoryModule into AppModule, entities.ts and the gRPC handlers, this
// harness does it from the outside: the whole controller, with the database module swapped for
// one that also knows the inventory entity and migration, and ReportInventory registered.
// Once wired, the de-duplication below makes it a no-op.
const entities = [...new Set([...ENTITIES, ...INVENTORY_ENTITIES])];
const migrations = [...new Set([...MIGRATIONS, ...INVENTORY_MIGRATIONS])];

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.database),
        entities,
        migrations,
      }),
    }),
    TypeOrmModule.forFeature(entities),
  ],
  providers: [TransactionService],
  exports: [TypeOrmModule, TransactionService],
})
class InventoryTestDatabaseModule {}

const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';

export async function startInventoryController(
  database: TestDatabase = 'sqlite',
): Promise<TestController> {
  const adminToken = `l4f_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('hex')}`;
  const storage = database === 'postgres' ? await createPgDatabase() : createSqliteFile();
  const config = loadConfig({
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    GRPC_INSECURE: '1',
    LOG_LEVEL: 'silent',
    LOG4FLEET_ADMIN_TOKEN: adminToken,
    ...storage.env,
  });
  setLogLevel(config.logLevel);
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config), InventoryModule],
    })
      .overrideModule(DatabaseModule)
      .useModule(InventoryTestDatabaseModule)
      .compile();
    const handlers = moduleRef.get(AgentServiceHandlers);
    const implementation = handlers.implementation.bind(handlers);
    const inventory = moduleRef.get(InventoryGrpcHandler);
    handlers.implementation = () => ({
      ...implementation(),
      reportInventory: inventory.reportInventory,
    });
    const app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('api/v1');
    app.useGlobalPipes(
      new ValidationPipe({ whitelist: true, transform: true, forbidNonWhitelisted: true }),
    );
    app.useGlobalFilters(new HttpExceptionFilter());
    await app.listen(0, '127.0.0.1');
    await app.get(ApiTokensService).ensureAdmin(config.adminToken);
    const port = (app.getHttpServer() as { address(): { port: number } }).address().port;
    const httpUrl = `http://127.0.0.1:${port}`;
    const http = () => request(httpUrl);
    return {
      app,
      database,
      httpUrl,
      grpcAddress: `127.0.0.1:${app.get(GrpcServerService).boundPort}`,
      adminToken,
      http,
      async tokenFor(role) {
        const res = await http()
          .post('/api/v1/api-tokens')
          .set('Authorization', `Bearer ${adminToken}`)
          .send({ name: `inv-${role}-${randomBytes(3).toString('hex')}`, role });
        if (res.status !== 201)
          throw new Error(
            `creating a ${role} token failed: ${res.status} ${JSON.stringify(res.body)}`,
          );
        return (res.body as { token: string }).token;
      },
      async close() {
        await app.close();
        await storage.dispose();
      },
    };
  } catch (error) {
    await storage.dispose();
    throw error;
  }
}

/** ReportInventory through the agent's real gRPC client. */
export function reportInventory(
  agent: TestAgent,
  req: ReportInventoryRequest,
  metadata: Metadata = agent.metadata(),
): Promise<ReportInventoryResponse> {
  return new Promise((resolve, reject) => {
    agent.client.reportInventory(
      req,
      metadata,
      (error: ServiceError | null, response: ReportInventoryResponse) =>
        error ? reject(error) : resolve(response),
    );
  });
}

interface Storage {
  env: Record<string, string>;
  dispose(): Promise<void>;
}

function createSqliteFile(): Storage {
  const dir = mkdtempSync(join(tmpdir(), 'l4f-inventory-'));
  return {
    env: { SQLITE_PATH: join(dir, 'controller.sqlite') },
    dispose: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

async function createPgDatabase(): Promise<Storage> {
  const name = `l4f_inventory_${randomBytes(6).toString('hex')}`;
  await withPgAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    env: { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}` },
    dispose: () =>
      withPgAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

async function withPgAdmin<T>(work: (client: DataSource) => Promise<T>): Promise<T> {
  const client = await new DataSource({ type: 'postgres', url: PG_ADMIN_URL }).initialize();
  try {
    return await work(client);
  } finally {
    await client.destroy();
  }
}
