import { MigrationInterface, QueryRunner } from 'typeorm';
import { scanParams } from '../../scan/scan.kind';
import { scopeOf, scopeToJson } from '../../scan/scan-scope';

/** table -> column definitions, added with plain ALTER TABLE (SQLite rebuilds no table for it). */
const COLUMNS: Record<string, string[]> = {
  findings: [
    `"source" varchar(16) NOT NULL DEFAULT 'path'`,
    `"current" boolean NOT NULL DEFAULT FALSE`,
    `"superseded_by" varchar(36)`,
  ],
  scan_runs: [
    `"scope" text`,
    `"completeness" varchar(16) NOT NULL DEFAULT 'unfinished'`,
    `"incomplete_reason" text`,
  ],
  commands: [
    `"verification_targets" text`,
    `"verified_by_scan_run_id" varchar(36)`,
    `"verification_note" text`,
  ],
};
const BATCH = 500;

/**
 * Issue 14, host truth: a host's findings are the union of what its latest scans saw, each
 * owned by a scope (findings.current, findings.source); a scan run keeps its scope and whether
 * it covered it completely; a remediation keeps where it must be verified and what verified it.
 * Existing data: the findings of each host's last scan are its current ones (what the host
 * showed before), findings with a running-JVM evidence are owned by the processes, and each run's
 * scope is read from its command.
 */
export class HostTruth1765600000000 implements MigrationInterface {
  name = 'HostTruth1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, columns] of Object.entries(COLUMNS))
      for (const column of columns)
        await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN ${column}`);
    await queryRunner.query(
      `CREATE INDEX "ix_findings_host_current" ON "findings" ("host_id", "current")`,
    );
    await queryRunner.query(
      `UPDATE findings SET current = TRUE
       WHERE scan_run_id IN (SELECT last_scan_run_id FROM hosts WHERE last_scan_run_id IS NOT NULL)`,
    );
    await queryRunner.query(
      `UPDATE findings SET source = 'process' WHERE evidence LIKE '%"running in JVM %'`,
    );
    await queryRunner.query(
      `UPDATE scan_runs SET completeness = CASE WHEN errors_count > 0 THEN 'incomplete' ELSE 'complete' END
       WHERE finished_at IS NOT NULL`,
    );
    await queryRunner.query(
      `UPDATE scan_runs SET incomplete_reason = 'scanned before scopes were kept, with errors'
       WHERE completeness = 'incomplete'`,
    );
    await this.backfillScopes(queryRunner);
  }

  /** Each run's scope from its command's parameters (in batches, by run id). */
  private async backfillScopes(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const p = (n: number) => (postgres ? `$${n}` : '?');
    let after = '';
    for (;;) {
      const rows = (await queryRunner.query(
        `SELECT r.id, c.payload FROM scan_runs r JOIN commands c ON c.id = r.command_id
         WHERE r.id > ${p(1)} ORDER BY r.id LIMIT ${BATCH}`,
        [after],
      )) as Array<{ id: string; payload: string }>;
      if (rows.length === 0) return;
      for (const row of rows) {
        let payload: Record<string, unknown> = {};
        try {
          payload = JSON.parse(row.payload) as Record<string, unknown>;
        } catch {
          // An unreadable payload: the run keeps no scope (it covers nothing for sure).
        }
        await queryRunner.query(`UPDATE scan_runs SET scope = ${p(1)} WHERE id = ${p(2)}`, [
          scopeToJson(scopeOf(scanParams(payload))),
          row.id,
        ]);
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_findings_host_current"`);
    for (const [table, columns] of Object.entries(COLUMNS))
      for (const column of columns)
        await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN ${column.split(' ')[0]}`);
  }
}
