import { EntityManager } from 'typeorm';

// Measured: TypeORM's insert builder spent ~20% of ingest CPU on parameter bookkeeping for
// 500-row chunks; a plain multi-row INSERT with fixed-size batches (same SQL text, so the
// prepared statement is reused) does not.
const BATCH_ROWS = 100;

/**
 * Inserts rows (values in `columns` order) with portable SQL: `?` placeholders on SQLite,
 * `$n` on PostgreSQL; booleans become 1/0 for SQLite. Table and column names come from code.
 */
export async function bulkInsert(
  manager: EntityManager,
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
): Promise<void> {
  const postgres = manager.connection.options.type === 'postgres';
  const columnList = columns.map((c) => `"${c}"`).join(', ');
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    const batch = rows.slice(start, start + BATCH_ROWS);
    let n = 0;
    const tuples = batch.map(
      () => `(${columns.map(() => (postgres ? `$${++n}` : '?')).join(', ')})`,
    );
    const params = batch.flat().map((v) => (!postgres && typeof v === 'boolean' ? Number(v) : v));
    await manager.query(
      `INSERT INTO "${table}" (${columnList}) VALUES ${tuples.join(', ')}`,
      params,
    );
  }
}
