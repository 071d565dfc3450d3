import { MigrationInterface, QueryRunner } from 'typeorm';
import { chainToPathText } from '../../common/path-text';
import { rawQuery } from '../raw-query';

const TABLES = ['findings', 'scan_errors'] as const;
const PAGE = 1000;
/**
 * On PostgreSQL only the rows whose path the text form changes are read back: those holding a
 * backslash, a C0 control or DEL, or U+FFFD (bytes that were not UTF-8, replaced). SQLite has no
 * regular expressions: there every row is read (single-machine databases).
 */
const CHANGED_PG = '[\\\\\\u0001-\\u001f\\u007f\\ufffd]';

/**
 * findings.path and scan_errors.path become the lossless text form of common/path-text.ts,
 * recomputed from chain (the exact bytes, base64): invalid UTF-8 had been replaced by U+FFFD and
 * a backslash was ambiguous. No column changes.
 */
export class PathTextForm1764900000000 implements MigrationInterface {
  name = 'PathTextForm1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await rewritePaths(queryRunner, table, chainToPathText);
  }

  /** Back to the old display form (invalid UTF-8 and NUL replaced by U+FFFD). */
  async down(queryRunner: QueryRunner): Promise<void> {
    const lossy = (chain: Buffer[]) =>
      chain.map((c) => c.toString('utf8').replace(/\0/g, '\uFFFD')).join('!/');
    for (const table of TABLES) await rewritePaths(queryRunner, table, lossy);
  }
}

async function rewritePaths(
  queryRunner: QueryRunner,
  table: (typeof TABLES)[number],
  render: (chain: Buffer[]) => string,
): Promise<void> {
  const manager = queryRunner.manager;
  const postgres = queryRunner.connection.options.type === 'postgres';
  const filter = postgres ? 'AND path ~ $3' : '';
  let after = '';
  for (;;) {
    const { rows } = await rawQuery<{ id: string; chain: string; path: string }>(
      manager,
      `SELECT id, chain, path FROM ${table} WHERE id > $1 ${filter} ORDER BY id LIMIT $2`,
      postgres ? [after, PAGE, CHANGED_PG] : [after, PAGE],
    );
    for (const row of rows) {
      const chain = (JSON.parse(row.chain) as string[]).map((b) => Buffer.from(b, 'base64'));
      const path = render(chain);
      if (path !== row.path)
        await rawQuery(manager, `UPDATE ${table} SET path = $1 WHERE id = $2`, [path, row.id]);
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].id;
  }
}
