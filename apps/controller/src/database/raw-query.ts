import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';

/**
 * Hand-written SQL for the hot paths (a 10,000-host campaign spent a fifth of the controller's
 * time building TypeORM queries). Written once with PostgreSQL's `$n` placeholders; on SQLite
 * they become `?` with the parameters reordered, and booleans become 1/0. Table and column
 * names come from code, values always travel as parameters.
 */
export interface RawResult<T> {
  rows: T[];
  affected: number;
}

const sqliteForms = new Map<string, { text: string; order: number[] }>();

function sqliteForm(sql: string): { text: string; order: number[] } {
  let form = sqliteForms.get(sql);
  if (!form) {
    const order: number[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      order.push(Number(n) - 1);
      return '?';
    });
    form = { text, order };
    if (sqliteForms.size < 1000) sqliteForms.set(sql, form);
  }
  return form;
}

export async function rawQuery<T = Record<string, unknown>>(
  manager: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<RawResult<T>> {
  const postgres = manager.connection.options.type === 'postgres';
  let text = sql;
  let values: unknown[] = [...params];
  if (!postgres) {
    const form = sqliteForm(sql);
    text = form.text;
    values = form.order.map((i) => {
      const v = params[i];
      return typeof v === 'boolean' ? Number(v) : v;
    });
  }
  // Inside a transaction its own runner; else one from the pool, released after the statement.
  const own = manager.queryRunner === undefined;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = (await runner.query(text, values, true)) as {
      records?: T[];
      affected?: number;
    };
    return { rows: result.records ?? [], affected: result.affected ?? 0 };
  } finally {
    if (own) await runner.release();
  }
}

/** `$first, $first+1, …` for `count` values (an IN list or a VALUES tuple); rawQuery adapts them to SQLite. */
export function placeholders(count: number, first = 1): string {
  return Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
}

/**
 * The id list of `WHERE id IN (…)` in an UPDATE of `table`, for `count` distinct ids from
 * `$first`: with `lock` (PostgreSQL) a sub-select that locks the rows in id order first, so
 * batches updating overlapping rows wait for each other instead of deadlocking (an UPDATE alone
 * locks its rows in whatever order its plan visits them). FOR NO KEY UPDATE: the update changes
 * no key, and a foreign-key check (a command inserted for the same host) must not wait for it.
 */
export function idsLockedInOrder(
  table: string,
  count: number,
  first: number,
  lock: boolean,
): string {
  const list = placeholders(count, first);
  return lock
    ? `SELECT id FROM ${table} WHERE id IN (${list}) ORDER BY id FOR NO KEY UPDATE`
    : list;
}

/** Rows per statement of updateFromValues. */
const UPDATE_ROWS = 200;

/**
 * One UPDATE for many rows, each with values of its own (portable: SQLite 3.33+ and PostgreSQL):
 * `UPDATE <table> SET <set> FROM (VALUES (…), (…)) AS v WHERE <where> [RETURNING <returning>]`.
 * In `set` and `where`, `$1…` are the shared `params` and `v.column1, v.column2…` a row's values
 * in order; PostgreSQL types VALUES columns as text, so cast others (`CAST(v.column3 AS INTEGER)`).
 * Returns the RETURNING rows and the rows changed, over every statement.
 */
export async function updateFromValues<T = Record<string, unknown>>(
  manager: EntityManager,
  statement: { table: string; set: string; where: string; returning?: string },
  params: readonly unknown[],
  rows: readonly unknown[][],
): Promise<RawResult<T>> {
  const all: RawResult<T> = { rows: [], affected: 0 };
  for (let start = 0; start < rows.length; start += UPDATE_ROWS) {
    const batch = rows.slice(start, start + UPDATE_ROWS);
    let n = params.length;
    const tuples = batch.map((row) => `(${row.map(() => `$${++n}`).join(', ')})`);
    const result = await rawQuery<T>(
      manager,
      `UPDATE ${statement.table} SET ${statement.set} FROM (VALUES ${tuples.join(', ')}) AS v
       WHERE ${statement.where}${statement.returning ? ` RETURNING ${statement.returning}` : ''}`,
      [...params, ...batch.flat()],
    );
    all.rows.push(...result.rows);
    all.affected += result.affected;
  }
  return all;
}

/**
 * Rows of `table` whose id is among `ids` (duplicates read once), in id order; with `lock`
 * (PostgreSQL) locked FOR NO KEY UPDATE in that order, so transactions locking the same rows wait
 * for each other instead of deadlocking, while inserts referencing them (foreign keys) go on. Table and column names come from code.
 */
export async function selectByIds<T>(
  manager: EntityManager,
  table: string,
  columns: string,
  ids: readonly string[],
  lock: boolean,
): Promise<T[]> {
  const sorted = [...new Set(ids)].sort();
  if (sorted.length === 0) return [];
  const { rows } = await rawQuery<T>(
    manager,
    `SELECT ${columns} FROM ${table} WHERE id IN (${placeholders(sorted.length)})
     ORDER BY id${lock ? ' FOR NO KEY UPDATE' : ''}`,
    sorted,
  );
  return rows;
}

/** The 64-bit key of PostgreSQL advisory locks for one entity (`namespace`, `id`). */
function advisoryKey(namespace: string, id: string): bigint {
  const digest = createHash('sha1').update(namespace).update('\u0000').update(id).digest();
  return digest.readBigInt64BE(0);
}

/**
 * PostgreSQL: one transaction-scoped advisory lock per id, taken in key order (two transactions
 * never deadlock on them) and released at COMMIT or ROLLBACK. It serializes work on an entity
 * without locking its row, so the row's other writers never wait for it (a 10,000-host
 * campaign's command reports waited tens of ms each behind ingest transactions that held the
 * command rows FOR UPDATE). Call it inside a transaction.
 */
export async function lockEntities(
  manager: EntityManager,
  namespace: string,
  ids: readonly string[],
): Promise<void> {
  const keys = [...new Set(ids.map((id) => advisoryKey(namespace, id)))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  if (keys.length === 0) return;
  await rawQuery(
    manager,
    `SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest($1::bigint[]) AS k ORDER BY 1) AS keys`,
    [keys.map(String)],
  );
}
