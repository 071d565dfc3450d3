import { QueryFailedError } from 'typeorm';
import { permanentDataError } from './database-errors';

function failed(code: string, message = 'boom'): QueryFailedError {
  return new QueryFailedError('INSERT ...', [], Object.assign(new Error(message), { code }));
}

describe('permanentDataError', () => {
  it.each(['22021', '22001', '22003', '23502', '23514', '54000'])(
    'calls PostgreSQL %s permanent',
    (code) => {
      expect(permanentDataError(failed(code, 'invalid byte sequence'))).toBe(
        `${code}: invalid byte sequence`,
      );
    },
  );

  it.each(['23505', '08006', '08003', '40001', '40P01', '57P01', '53300', 'ECONNRESET'])(
    'calls PostgreSQL %s transient',
    (code) => {
      expect(permanentDataError(failed(code))).toBeNull();
    },
  );

  it.each(['SQLITE_TOOBIG', 'SQLITE_CONSTRAINT_NOTNULL', 'SQLITE_CONSTRAINT_TRIGGER'])(
    'calls SQLite %s permanent',
    (code) => {
      expect(permanentDataError(failed(code))).not.toBeNull();
    },
  );

  it.each(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_CONSTRAINT_UNIQUE'])(
    'calls SQLite %s transient',
    (code) => {
      expect(permanentDataError(failed(code))).toBeNull();
    },
  );

  it('calls anything but a failed query transient', () => {
    expect(permanentDataError(new Error('Connection terminated unexpectedly'))).toBeNull();
  });
});
