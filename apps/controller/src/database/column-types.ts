import { ColumnOptions, ValueTransformer } from 'typeorm';

/**
 * Timestamps are ISO-8601 UTC strings of fixed width (toISOString): SQLite and PostgreSQL
 * store, compare and sort them identically, with no driver time-zone conversion.
 */
export const isoDate: ValueTransformer = {
  to: (value: Date | null | undefined) => (value ? value.toISOString() : value),
  from: (value: string | null) => (value ? new Date(value) : null),
};

/** PostgreSQL returns bigint as a string; SQLite as a number. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

export const ID_COLUMN = { type: 'varchar', length: 36 } as const;

export function dateColumn(name: string, nullable = true): ColumnOptions {
  return { name, type: 'varchar', length: 32, nullable, transformer: isoDate };
}

export function isoOf(date: Date): string {
  return date.toISOString();
}

/** A nullable timestamp as stored (isoDate's form), for hand-written SQL. */
export function isoOrNull(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
