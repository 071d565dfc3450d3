import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { loggerFor } from '../common/logger';

/** Units of work committed together on SQLite (group commit). */
const MAX_GROUP = 200;

interface Unit {
  work: (manager: EntityManager) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The unit of work running in this async context; `open` until its work settled. */
interface Ambient {
  manager: EntityManager;
  open: boolean;
}

/**
 * Runs a unit of work in one transaction. On PostgreSQL each unit is a transaction of its own.
 * better-sqlite3 has one connection, on which two interleaved async transactions would nest and
 * fail, so on SQLite units are queued, and the units waiting when a transaction starts share it
 * (group commit): each runs inside a SAVEPOINT of its own, one after the other; a unit that
 * throws is rolled back to its savepoint alone, and every unit's promise settles after the one
 * COMMIT. Measured on a 10,000-host campaign: a COMMIT per unit was the largest single cost.
 * Writes made outside a transaction while one is open share its fate there, so callers check
 * the expected refusals before opening one and keep rollbacks for the unexpected.
 *
 * Ambient transaction: while a unit's work runs, its manager is kept in an AsyncLocalStorage, so
 * that repositories take it from `manager` (the default manager outside a unit) and services do
 * not pass it through their signatures. run() inside a unit joins it (on SQLite a nested unit
 * would otherwise wait for the group it is part of); its rollback is the enclosing unit's. The
 * context of a unit is closed when its work settled: work it left behind (a timer, a batch it
 * started) no longer sees its manager, and opens a unit of its own.
 */
@Injectable()
export class TransactionService {
  private readonly logger = loggerFor(TransactionService.name);
  private readonly waiting: Unit[] = [];
  private draining = false;
  private readonly ambient = new AsyncLocalStorage<Ambient>();

  constructor(private readonly dataSource: DataSource) {}

  get isPostgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /** The manager of the unit of work running in this context, or the default manager. */
  get manager(): EntityManager {
    return this.current()?.manager ?? this.dataSource.manager;
  }

  /** Whether a unit of work runs in this context (its statements are in its transaction). */
  get inTransaction(): boolean {
    return this.current() !== undefined;
  }

  /**
   * Whether row locks taken now hold until a commit: in a unit of work on PostgreSQL. SQLite has
   * one writer anyway (and no FOR UPDATE); outside a transaction a lock would end with its
   * statement. Repositories read this instead of taking a lock flag from their callers.
   */
  get locksRows(): boolean {
    return this.isPostgres && this.inTransaction;
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const current = this.current();
    if (current) return work(current.manager);
    if (this.isPostgres)
      return this.dataSource.transaction((manager) => this.withAmbient(manager, work));
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        void this.drain();
      }
    });
  }

  /**
   * Work written with the default repositories (each statement on its own) that may share a
   * commit: on SQLite it runs as a unit of the group transaction, so its statements (issued on
   * the one connection while the unit runs) commit with the group, or roll back alone when it
   * throws; on PostgreSQL it runs as it is (in the caller's unit, if any). A run() or batched()
   * inside the work joins it (on SQLite it is a unit); the work must not push anything that
   * announces its rows before this promise settled.
   */
  batched<T>(work: () => Promise<T>): Promise<T> {
    return this.isPostgres ? work() : this.run(() => work());
  }

  private current(): Ambient | undefined {
    const ambient = this.ambient.getStore();
    return ambient?.open ? ambient : undefined;
  }

  private async withAmbient<T>(
    manager: EntityManager,
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    const ambient: Ambient = { manager, open: true };
    try {
      return await this.ambient.run(ambient, () => work(manager));
    } finally {
      ambient.open = false;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        // better-sqlite3 runs a whole group without giving the event loop a turn (its awaits are
        // microtasks), so units from I/O (agent reports, uploads, jobs) only join a group after
        // one: without this turn, groups held 1.3 units on average in a 10,000-host campaign.
        await new Promise((resolve) => setImmediate(resolve));
        await this.runGroup(this.waiting.splice(0, MAX_GROUP));
      }
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(group: Unit[]): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await runner.startTransaction();
      for (const unit of group) {
        await runner.query('SAVEPOINT l4f_unit');
        try {
          const value = await this.withAmbient(runner.manager, unit.work);
          await runner.query('RELEASE SAVEPOINT l4f_unit');
          outcomes.push({ ok: true, value });
        } catch (error) {
          await runner.query('ROLLBACK TO SAVEPOINT l4f_unit');
          await runner.query('RELEASE SAVEPOINT l4f_unit');
          outcomes.push({ ok: false, error });
        }
      }
      await runner.commitTransaction();
    } catch (error) {
      // The transaction itself failed (BEGIN, a savepoint, COMMIT): nothing of the group stands.
      this.logger.error(
        { err: error instanceof Error ? error.message : String(error), units: group.length },
        'group transaction failed; every unit in it is rolled back',
      );
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      for (const unit of group) unit.reject(error);
      return;
    } finally {
      await runner.release();
    }
    group.forEach((unit, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  }
}

export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string } | undefined;
  return (
    driverError?.code === '23505' ||
    driverError?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    driverError?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
