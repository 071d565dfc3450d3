import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, ID_COLUMN } from '../database/column-types';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

@Entity('api_tokens')
export class ApiTokenEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ type: 'varchar', length: 128 }) name!: string;
  @Column({ type: 'varchar', length: 16 }) role!: Role;
  @Column({ name: 'token_hash', type: 'varchar', length: 64 }) tokenHash!: string;
  /** The public part ("l4f_<id>") shown in lists. */
  @Column({ type: 'varchar', length: 64 }) prefix!: string;
  @Column({ type: 'boolean' }) revoked!: boolean;
  @Column(dateColumn('last_used_at')) lastUsedAt!: Date | null;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
}
