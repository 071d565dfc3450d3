import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { AuditEventEntity } from '../src/audit/audit-event.entity';
import { dataSourceOptions } from '../src/database/data-source-options';
import { rawQuery } from '../src/database/raw-query';
import { TransactionService } from '../src/database/transaction.service';
import { MicroBatcher } from '../src/common/micro-batcher';
import { createStorage, Storage, TestDatabase } from './support/test-storage';

async function open(storage: Storage): Promise<DataSource> {
  const options = storage.env.DATABASE_URL
    ? dataSourceOptions({ type: 'postgres', url: storage.env.DATABASE_URL })
    : dataSourceOptions({ type: 'sqlite', path: storage.env.SQLITE_PATH, synchronous: 'normal' });
  return new DataSource(options).initialize();
}

describe.each<TestDatabase>(['sqlite', 'postgres'])(
  'units of work and batched audit writes (%s)',
  (database) => {
    let storage: Storage;
    let ds: DataSource;
    let tx: TransactionService;

    beforeAll(async () => {
      storage = await createStorage(database, 'tx');
      ds = await open(storage);
      tx = new TransactionService(ds);
    });
    afterAll(async () => {
      await ds?.destroy();
      await storage?.dispose();
    });

    /** Audit events written with the manager of the unit of work the caller runs in. */
    const ambientAudit = () => new AuditService(ds.getRepository(AuditEventEntity), tx);

    const actors = async (prefix: string): Promise<string[]> =>
      (
        await rawQuery<{ actor: string }>(
          ds.manager,
          'SELECT actor FROM audit_events WHERE actor LIKE $1 ORDER BY actor',
          [`${prefix}%`],
        )
      ).rows.map((r) => r.actor);

    it('commits every unit that succeeded and rolls back only the one that threw', async () => {
      const audit = new AuditService(ds.getRepository(AuditEventEntity), tx);
      const unit = (i: number) =>
        tx.run(async () => {
          await audit.record({ actor: `unit-${i}`, action: 'test.unit' });
          if (i === 3) throw new Error('unit 3 fails after writing');
          return i;
        });
      const outcomes = await Promise.allSettled([0, 1, 2, 3, 4, 5].map(unit));
      expect(outcomes.map((o) => o.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect((outcomes[3] as PromiseRejectedResult).reason).toEqual(
        new Error('unit 3 fails after writing'),
      );
      expect(await actors('unit-')).toEqual(['unit-0', 'unit-1', 'unit-2', 'unit-4', 'unit-5']);
    });

    it('ambient transaction: code called inside a unit writes in it without being passed its manager; one unit that throws rolls back alone', async () => {
      // A repository's statement, taking its manager from the unit of work it runs in.
      const write = (actor: string) =>
        ambientAudit().recordMany([{ actor, action: 'test.ambient' }]);
      const unit = (i: number) =>
        tx.run(async (manager) => {
          expect(tx.manager).toBe(manager);
          expect(tx.inTransaction).toBe(true);
          await write(`ambient-${i}`);
          if (i === 2) throw new Error('unit 2 fails after writing');
          return i;
        });
      const outcomes = await Promise.allSettled([0, 1, 2, 3].map(unit));
      expect(outcomes.map((o) => o.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect(await actors('ambient-')).toEqual(['ambient-0', 'ambient-1', 'ambient-3']);
      expect(tx.inTransaction).toBe(false);
      expect(tx.manager).toBe(ds.manager);
    });

    it('ambient transaction: a unit opened inside a unit joins it (no deadlock on SQLite) and shares its fate', async () => {
      const write = (actor: string) =>
        ambientAudit().recordMany([{ actor, action: 'test.nested' }]);
      const joined = await tx.run(async (outer) => {
        await write('nested-outer');
        return tx.run(async (inner) => {
          await write('nested-inner');
          return inner === outer && tx.manager === outer;
        });
      });
      expect(joined).toBe(true);
      await expect(
        tx.run(async () => {
          await tx.run(() => write('nested-rolled-back'));
          throw new Error('the outer unit fails after its inner one wrote');
        }),
      ).rejects.toThrow('the outer unit fails');
      expect(await actors('nested-')).toEqual(['nested-inner', 'nested-outer']);
    });

    it('ambient transaction: work a unit left behind does not see its manager once it settled', async () => {
      let later: Promise<{ inTransaction: boolean; manager: unknown }> | undefined;
      await tx.run(() => {
        later = new Promise((resolve) =>
          setTimeout(() => resolve({ inTransaction: tx.inTransaction, manager: tx.manager }), 20),
        );
        return Promise.resolve();
      });
      expect(await later).toEqual({ inTransaction: false, manager: ds.manager });
      // And a unit it opens later is one of its own, which commits.
      let opened: Promise<void> | undefined;
      await tx.run(() => {
        opened = new Promise<void>((resolve) => setTimeout(resolve, 20)).then(() =>
          tx.run(() => ambientAudit().recordMany([{ actor: 'left-behind', action: 'test.left' }])),
        );
        return Promise.resolve();
      });
      await opened;
      expect(await actors('left-behind')).toEqual(['left-behind']);
    });

    it('ambient transaction: a batch started by a submit from inside a unit does not join it', async () => {
      const batcher = new MicroBatcher<number, boolean>(
        (items) => Promise.resolve(items.map(() => ({ ok: true, value: tx.inTransaction }))),
        10,
      );
      let batchInUnit: Promise<boolean> | undefined;
      await tx.run(async () => {
        batchInUnit = batcher.submit(1);
        // The unit is still open when the batch runs.
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
      expect(await batchInUnit).toBe(false);
    });

    it('writes many audit events recorded at once, each promise settling after its row exists', async () => {
      const audit = new AuditService(ds.getRepository(AuditEventEntity), tx);
      const n = 1234;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          audit.record({
            actor: `burst-${String(i).padStart(4, '0')}`,
            action: 'test.burst',
            hostId: null,
            details: { i },
          }),
        ),
      );
      const rows = await actors('burst-');
      expect(rows).toHaveLength(n);
      expect(new Set(rows).size).toBe(n);
      const page = await audit.query({ action: 'test.burst', page: 1, pageSize: 1 });
      expect(page.total).toBe(n);
      expect(page.items[0].details).toEqual({ i: expect.any(Number) });
    });

    if (database === 'sqlite') {
      it('opens SQLite in WAL mode with the configured durability', async () => {
        expect(await ds.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
        expect(await ds.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]);
      });
    }
  },
);
