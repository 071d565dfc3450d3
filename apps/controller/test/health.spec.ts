import { Global, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { ConfigModule } from '../src/config/config.module';
import { HealthModule } from '../src/health/health.module';

// The whole controller needs Redis for its queues, so "Redis down" is shown on the health
// feature alone: a real SQLite database and a Redis URL where nothing listens.
describe('readiness', () => {
  async function healthApp(redisUrl: string, database: DataSource): Promise<INestApplication> {
    @Global()
    @Module({ providers: [{ provide: DataSource, useValue: database }], exports: [DataSource] })
    class TestDatabaseModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadConfig({ GRPC_INSECURE: '1', REDIS_URL: redisUrl })),
        TestDatabaseModule,
        HealthModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  let database: DataSource;
  beforeAll(async () => {
    database = await new DataSource({ type: 'better-sqlite3', database: ':memory:' }).initialize();
  });
  afterAll(async () => {
    await database.destroy();
  });

  it('answers 200 when the database and Redis answer', async () => {
    const app = await healthApp('redis://127.0.0.1:6379', database);
    try {
      const res = await request(app.getHttpServer()).get('/health/ready');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', checks: { database: 'up', redis: 'up' } });
    } finally {
      await app.close();
    }
  });

  it('answers 503 naming Redis when Redis does not answer', async () => {
    const app = await healthApp('redis://127.0.0.1:1', database);
    try {
      const res = await request(app.getHttpServer()).get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body.checks).toEqual({ database: 'up', redis: 'down' });
    } finally {
      await app.close();
    }
  });

  it('answers 503 naming the database when it is gone', async () => {
    const closed = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
    }).initialize();
    await closed.destroy();
    const app = await healthApp('redis://127.0.0.1:6379', closed);
    try {
      const res = await request(app.getHttpServer()).get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body.checks).toEqual({ database: 'down', redis: 'up' });
    } finally {
      await app.close();
    }
  });
});
