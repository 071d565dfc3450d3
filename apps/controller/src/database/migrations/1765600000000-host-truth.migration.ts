import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { scanParams } from '../../scan/scan.kind';
import { scopeOf, scopeToJson } from '../../scan/scan-scope';

const FINDING_COLUMNS = [
  new TableColumn({ name: 'source', type: 'varchar', length: '16', default: "'path'" }),
  new TableColumn({ name: 'current', type: 'boolean', default: false }),
  new TableColumn({ name: 'superseded_by', type: 'varchar', length: '36', isNullable: true }),
];
const RUN_COLUMNS = [
  new TableColumn({ name: 'scope', type: 'text', isNullable: true }),
  new TableColumn({ name: 'completeness', type: 'varchar', length: '16', default: "'unfinished'" }),
  new TableColumn({ name: 'incomplete_reason', type: 'text', isNullable: true }),
];
const COMMAND_COLUMNS = [
  new TableColumn({ name: 'verification_targets', type: 'text', isNullable: true }),
  new TableColumn({
    name: 'verified_by_scan_run_id',
    type: 'varchar',
    length: '36',
    isNullable: true,
  }),
  new TableColumn({ name: 'verification_note', type: 'text', isNullable: true }),
];
const CURRENT_INDEX = new TableIndex({
  name: 'ix_findings_host_current',
  columnNames: ['host_id', 'current'],
});
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
    await queryRunner.addColumns('findings', FINDING_COLUMNS);
    await queryRunner.addColumns('scan_runs', RUN_COLUMNS);
    await queryRunner.addColumns('commands', COMMAND_COLUMNS);
    await queryRunner.createIndex('findings', CURRENT_INDEX);
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
    await queryRunner.dropIndex('findings', CURRENT_INDEX.name!);
    for (const c of COMMAND_COLUMNS) await queryRunner.dropColumn('commands', c.name);
    for (const c of RUN_COLUMNS) await queryRunner.dropColumn('scan_runs', c.name);
    for (const c of FINDING_COLUMNS) await queryRunner.dropColumn('findings', c.name);
  }
}
