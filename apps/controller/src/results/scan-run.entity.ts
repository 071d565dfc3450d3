import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber, dateColumn, ID_COLUMN } from '../database/column-types';
import type { ScanCompleteness } from '../scan/scan-scope';

@Entity('scan_runs')
export class ScanRunEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  @Column({ name: 'command_id', ...ID_COLUMN }) commandId!: string;
  @Column(dateColumn('started_at')) startedAt!: Date | null;
  @Column(dateColumn('finished_at')) finishedAt!: Date | null;
  @Column({ type: 'bigint', transformer: bigintNumber }) files!: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) directories!: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) archives!: number;
  @Column({ name: 'bytes_read', type: 'bigint', transformer: bigintNumber }) bytesRead!: number;
  @Column({ name: 'findings_count', type: 'integer' }) findingsCount!: number;
  @Column({ name: 'errors_count', type: 'integer' }) errorsCount!: number;
  @Column({ type: 'integer' }) vulnerable!: number;
  @Column({ type: 'integer' }) mitigated!: number;
  @Column({ type: 'integer' }) safe!: number;
  @Column({ type: 'integer' }) unknown!: number;
  @Column({ name: 'duration_ms', type: 'bigint', transformer: bigintNumber }) durationMs!: number;
  /** JSON of scan/scan-scope.ts ScanScope: what the scan covered. */
  @Column({ type: 'text', nullable: true }) scope!: string | null;
  @Column({ type: 'varchar', length: 16 }) completeness!: ScanCompleteness;
  @Column({ name: 'incomplete_reason', type: 'text', nullable: true })
  incompleteReason!: string | null;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
}
