import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, ID_COLUMN } from '../database/column-types';

@Entity('agents')
export class AgentEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  @Column({ name: 'credential_hash', type: 'varchar', length: 64 }) credentialHash!: string;
  @Column({ type: 'varchar', length: 64 }) version!: string;
  @Column(dateColumn('last_seen_at')) lastSeenAt!: Date | null;
  @Column({ type: 'boolean' }) revoked!: boolean;
  @Column(dateColumn('revoked_at')) revokedAt!: Date | null;
  /** Why it was revoked, told to the agent: "replaced by agent X", "revoked by admin Y". */
  @Column({ name: 'revoked_reason', type: 'varchar', length: 256, nullable: true })
  revokedReason!: string | null;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
}
