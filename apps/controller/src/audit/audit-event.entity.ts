import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, ID_COLUMN } from '../database/column-types';

/** Append-only: rows are inserted, never updated or deleted. */
@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column(dateColumn('at', false)) at!: Date;
  @Column({ type: 'varchar', length: 128 }) actor!: string;
  @Column({ type: 'varchar', length: 64 }) action!: string;
  @Column({ name: 'host_id', type: 'varchar', length: 36, nullable: true }) hostId!: string | null;
  /** JSON object. */
  @Column({ type: 'text' }) details!: string;
}
