import { EntityManager } from 'typeorm';
import { bulkInsert } from './bulk-insert';

/**
 * A table's columns and how a value of T becomes one row of them, written once as pairs: the
 * column list of an INSERT and the values of each row cannot drift apart (an array of names kept
 * in step by hand with a function building the values could).
 */
export interface TableRows<T> {
  readonly table: string;
  readonly columns: readonly string[];
  /** The values of one row, in `columns` order. */
  row(value: T): unknown[];
  /** Index of `column` in a row (a value decided after the row was built). */
  indexOf(column: string): number;
  /** Multi-row INSERTs through `manager` (bulkInsert). */
  insert(manager: EntityManager, values: readonly T[]): Promise<void>;
}

export function tableRows<T>(
  table: string,
  definition: ReadonlyArray<readonly [column: string, value: (row: T) => unknown]>,
): TableRows<T> {
  const columns = definition.map(([column]) => column);
  const getters = definition.map(([, value]) => value);
  const row = (value: T): unknown[] => getters.map((get) => get(value));
  return {
    table,
    columns,
    row,
    indexOf(column) {
      const i = columns.indexOf(column);
      if (i < 0) throw new Error(`${table} has no column ${column} in its row definition`);
      return i;
    },
    insert: (manager, values) => bulkInsert(manager, table, columns, values.map(row)),
  };
}
