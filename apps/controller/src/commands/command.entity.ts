import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, ID_COLUMN } from '../database/column-types';
import type { CommandKind } from './kinds';

export const COMMAND_STATES = [
  'queued',
  'delivered',
  'started',
  'succeeded',
  'failed',
  'verified',
  'expired',
  'cancelled',
] as const;
export type CommandStateName = (typeof COMMAND_STATES)[number];
/** Derived from the registry of kinds (commands/kinds.ts), not listed here. */
export type { CommandKind };

@Entity('commands')
export class CommandEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  @Column({ name: 'agent_id', ...ID_COLUMN }) agentId!: string;
  @Column({ type: 'varchar', length: 32 }) kind!: CommandKind;
  /** JSON of the command's parameters (for a scan: ScanCommandParams). */
  @Column({ type: 'text' }) payload!: string;
  @Column({ type: 'varchar', length: 16 }) state!: CommandStateName;
  @Column({ type: 'text', nullable: true }) message!: string | null;
  @Column({ name: 'total_chunks', type: 'integer', nullable: true }) totalChunks!: number | null;
  @Column({ name: 'created_by', type: 'varchar', length: 128 }) createdBy!: string;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
  @Column(dateColumn('expires_at', false)) expiresAt!: Date;
  @Column(dateColumn('delivered_at')) deliveredAt!: Date | null;
  @Column(dateColumn('started_at')) startedAt!: Date | null;
  @Column(dateColumn('succeeded_at')) succeededAt!: Date | null;
  @Column(dateColumn('failed_at')) failedAt!: Date | null;
  @Column(dateColumn('verified_at')) verifiedAt!: Date | null;
  @Column(dateColumn('expired_at')) expiredAt!: Date | null;
  @Column(dateColumn('cancelled_at')) cancelledAt!: Date | null;
  /** A remediation: JSON of where its rescan must verify it (verification/remediation-proof.ts). */
  @Column({ name: 'verification_targets', type: 'text', nullable: true })
  verificationTargets!: string | null;
  /** A remediation: the scan run that verified it (or found it still vulnerable). */
  @Column({ name: 'verified_by_scan_run_id', type: 'varchar', length: 36, nullable: true })
  verifiedByScanRunId!: string | null;
  /** A remediation: why the last completed scan did not verify it. */
  @Column({ name: 'verification_note', type: 'text', nullable: true })
  verificationNote!: string | null;
}
