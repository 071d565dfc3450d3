import { QueryFailedError } from 'typeorm';

/** SQLite result codes that the same statement with the same values gets again on every try. */
const SQLITE_PERMANENT = new Set([
  'SQLITE_TOOBIG',
  'SQLITE_MISMATCH',
  'SQLITE_RANGE',
  'SQLITE_CONSTRAINT_CHECK',
  'SQLITE_CONSTRAINT_NOTNULL',
  'SQLITE_CONSTRAINT_FOREIGNKEY',
  'SQLITE_CONSTRAINT_TRIGGER',
  'SQLITE_CONSTRAINT_DATATYPE',
]);

/**
 * Whether a statement failed because of the values it carried, so that running it again can never
 * succeed: PostgreSQL's SQLSTATE classes 22 (data exception: an invalid byte sequence, a value too
 * long or out of range) and 23 (integrity constraint) but for unique violations (two writers
 * racing: the retry finds the row), and 54 (a program limit: a value too large). Connection
 * losses, deadlocks, serialization failures, a busy SQLite file and anything else are transient:
 * null. Returns "<code>: <message>" for the permanent ones.
 */
export function permanentDataError(error: unknown): string | null {
  if (!(error instanceof QueryFailedError)) return null;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return null;
  const permanent = code.startsWith('SQLITE_')
    ? SQLITE_PERMANENT.has(code)
    : /^[0-9A-Z]{5}$/.test(code) &&
      (code.startsWith('22') ||
        (code.startsWith('23') && code !== '23505') ||
        code.startsWith('54'));
  return permanent ? `${code}: ${error.message}` : null;
}
