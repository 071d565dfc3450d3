import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, ID_COLUMN } from '../database/column-types';

@Entity('enrollment_tokens')
export class EnrollmentTokenEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ type: 'varchar', length: 128 }) name!: string;
  @Column({ name: 'token_hash', type: 'varchar', length: 64 }) tokenHash!: string;
  @Column(dateColumn('expires_at', false)) expiresAt!: Date;
  @Column({ name: 'max_uses', type: 'integer' }) maxUses!: number;
  @Column({ type: 'integer' }) uses!: number;
  /** JSON array of strings given to every host enrolled with the token. */
  @Column({ type: 'text' }) tags!: string;
  @Column({ type: 'boolean' }) revoked!: boolean;
  /** Set: the token enrolls only this host's machine, and may replace its active agent. */
  @Column({ name: 'replace_host_id', ...ID_COLUMN, nullable: true }) replaceHostId!: string | null;
  @Column({ name: 'created_by', type: 'varchar', length: 128 }) createdBy!: string;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
}
