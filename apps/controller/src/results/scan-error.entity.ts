import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, ID_COLUMN } from '../database/column-types';

@Entity('scan_errors')
export class ScanErrorEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  @Column({ name: 'scan_run_id', ...ID_COLUMN }) scanRunId!: string;
  @Column({ name: 'command_id', ...ID_COLUMN }) commandId!: string;
  /** JSON array of base64 strings. */
  @Column({ type: 'text' }) chain!: string;
  /** As FindingEntity.path. */
  @Column({ type: 'text' }) path!: string;
  @Column({ type: 'varchar', length: 64 }) code!: string;
  @Column({ type: 'text' }) message!: string;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
}
