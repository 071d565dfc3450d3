import type { AppConfig } from '../config/app-config';
import { queueSettingsOf } from './queue-config';

describe('queue settings', () => {
  it('names the default prefix after the database and refuses one that would break Redis keys', () => {
    const config = {
      redisUrl: 'redis://127.0.0.1:6379',
      database: { type: 'sqlite', path: '/var/lib/l4f/a.sqlite' },
    } as AppConfig;
    const settings = queueSettingsOf(config);
    expect(settings).toMatchObject({ runWorkers: true, redisUrl: 'redis://127.0.0.1:6379' });
    // Controllers (or test suites) on other databases never take each other's jobs.
    expect(settings.prefix).toMatch(/^l4f-[0-9a-f]{10}$/);
    const other = queueSettingsOf({
      ...config,
      database: { type: 'sqlite', path: '/var/lib/l4f/b.sqlite' },
    });
    expect(other.prefix).not.toBe(settings.prefix);
    expect(queueSettingsOf({ ...config, queues: { prefix: 'prod' } }).prefix).toBe('prod');
    expect(() => queueSettingsOf({ ...config, queues: { prefix: 'a b:c' } })).toThrow(
      /queue prefix/,
    );
  });

  it('batches more dispatch and ingest jobs at once on PostgreSQL than on SQLite', () => {
    const sqlite = {
      redisUrl: 'redis://127.0.0.1:6379',
      database: { type: 'sqlite', path: '/var/lib/l4f/a.sqlite' },
    } as AppConfig;
    const postgres = {
      ...sqlite,
      database: { type: 'postgres', url: 'postgres://l4f@db/l4f' },
    } as AppConfig;
    expect(queueSettingsOf(sqlite).batchSize).toBe(64);
    expect(queueSettingsOf(postgres).batchSize).toBe(128);
    expect(queueSettingsOf({ ...postgres, queues: { batchSize: 8 } }).batchSize).toBe(8);
  });
});
