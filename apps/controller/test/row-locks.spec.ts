import { DataSource } from 'typeorm';
import { idsLockedInOrder, rawQuery, selectByIds } from '../src/database/raw-query';
import { createStorage, Storage } from './support/test-storage';

/**
 * The batch updates of agent connects lock agent and host rows in id order. A scan created at
 * that moment inserts a command whose foreign keys take KEY SHARE locks on the same host and
 * agent: with FOR UPDATE the two waited on each other and PostgreSQL broke the deadlock with a
 * 500 on POST /hosts/:id/scans. The batch updates change no key, so they lock FOR NO KEY UPDATE,
 * which a foreign-key check does not wait for.
 */
describe('row locks of batch updates (postgres)', () => {
  let storage: Storage;
  let ds: DataSource;

  beforeAll(async () => {
    storage = await createStorage('postgres', 'locks');
    ds = await new DataSource({ type: 'postgres', url: storage.env.DATABASE_URL }).initialize();
    await ds.query('CREATE TABLE parents (id text PRIMARY KEY, seen integer NOT NULL DEFAULT 0)');
    await ds.query(
      'CREATE TABLE children (id text PRIMARY KEY, parent_id text NOT NULL REFERENCES parents(id))',
    );
    await ds.query(`INSERT INTO parents (id) VALUES ('p1'), ('p2')`);
  });
  afterAll(async () => {
    await ds?.destroy();
    await storage?.dispose();
  });

  /** Holds the locks `lock` takes in one transaction while a second inserts a child of p1. */
  async function insertWhileLocked(lock: (tx: DataSource['manager']) => Promise<unknown>) {
    const holder = ds.createQueryRunner();
    await holder.startTransaction();
    try {
      await lock(holder.manager);
      const inserter = ds.createQueryRunner();
      await inserter.startTransaction();
      try {
        await inserter.query(`SET LOCAL lock_timeout = '3s'`);
        await inserter.query(`INSERT INTO children (id, parent_id) VALUES ($1, 'p1')`, [
          `c-${Math.random()}`,
        ]);
        await inserter.commitTransaction();
      } finally {
        if (inserter.isTransactionActive) await inserter.rollbackTransaction();
        await inserter.release();
      }
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
  }

  it('rows read with selectByIds(lock) stay insertable as foreign keys', async () => {
    await expect(
      insertWhileLocked((m) => selectByIds(m, 'parents', 'id', ['p2', 'p1'], true)),
    ).resolves.toBeUndefined();
  });

  it('rows updated through idsLockedInOrder stay insertable as foreign keys', async () => {
    await expect(
      insertWhileLocked((m) =>
        rawQuery(
          m,
          `UPDATE parents SET seen = seen + 1 WHERE id IN (${idsLockedInOrder('parents', 2, 1, true)})`,
          ['p1', 'p2'],
        ),
      ),
    ).resolves.toBeUndefined();
  });
});
