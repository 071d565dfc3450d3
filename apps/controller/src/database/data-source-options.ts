import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/app-config';
import { ENTITIES, MIGRATIONS } from './entities';

/** SQLite: checkpoint the WAL every 10,000 pages (40 MB); a 64 MB page cache. */
const WAL_CHECKPOINT_PAGES = 10_000;
const CACHE_KIB = 64 * 1024;
const PG_POOL_SIZE = 20;

/** Migrations run at start; synchronize is never on. */
export function dataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    synchronize: false,
    logging: false,
  } as const;
  if (config.type === 'postgres')
    // A pool of 20 (pg's default is 10): campaign dispatch and ingestion run 48 jobs at once.
    return { ...common, type: 'postgres', url: config.url, extra: { max: PG_POOL_SIZE } };
  if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.path,
    // WAL lets the health check and readers run while a chunk is being written.
    enableWAL: true,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma(`synchronous = ${config.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      // Fewer, larger checkpoints: a page written by many small commits (an index page of
      // commands or audit_events) is copied back once per checkpoint, not once per 1,000 pages.
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      db.pragma(`cache_size = -${CACHE_KIB}`);
      db.pragma('temp_store = MEMORY');
    },
  };
}
