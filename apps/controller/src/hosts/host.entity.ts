import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, ID_COLUMN } from '../database/column-types';

export const HOST_STATUSES = [
  'unknown',
  'clean',
  'vulnerable',
  'quarantined',
  'remediated',
  'verified',
  'released',
  'exploitable',
] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

/** What is true of the host's network containment (quarantine/): DESIGN's containment field. */
export const CONTAINMENT_STATES = [
  'requested',
  'applied',
  'verified',
  'failed',
  'tampered',
  'released',
] as const;
export type ContainmentState = (typeof CONTAINMENT_STATES)[number];

@Entity('hosts')
export class HostEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ type: 'varchar', length: 255 }) hostname!: string;
  @Column({ type: 'varchar', length: 255 }) fqdn!: string;
  @Column({ name: 'machine_id', type: 'varchar', length: 64 }) machineId!: string;
  @Column({ name: 'os_name', type: 'varchar', length: 255 }) osName!: string;
  @Column({ name: 'os_version', type: 'varchar', length: 255 }) osVersion!: string;
  @Column({ type: 'varchar', length: 255 }) kernel!: string;
  @Column({ type: 'varchar', length: 64 }) arch!: string;
  /** JSON array of strings. */
  @Column({ type: 'text' }) addresses!: string;
  /** JSON array of strings. */
  @Column({ type: 'text' }) tags!: string;
  @Column({ type: 'varchar', length: 16 }) status!: HostStatus;
  @Column({ type: 'boolean' }) flagged!: boolean;
  @Column({ name: 'flag_reason', type: 'varchar', length: 255, nullable: true }) flagReason!:
    string | null;
  @Column(dateColumn('last_seen_at')) lastSeenAt!: Date | null;
  @Column(dateColumn('status_changed_at')) statusChangedAt!: Date | null;
  /** The newest completed scan (by command creation); the current findings are findings.current. */
  @Column({ name: 'last_scan_run_id', type: 'varchar', length: 36, nullable: true })
  lastScanRunId!: string | null;
  @Column(dateColumn('last_scan_at')) lastScanAt!: Date | null;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
  @Column({ type: 'varchar', length: 16, nullable: true }) containment!: ContainmentState | null;
  @Column({ name: 'containment_mode', type: 'varchar', length: 16, nullable: true })
  containmentMode!: string | null;
  @Column({ name: 'containment_command_id', type: 'varchar', length: 36, nullable: true })
  containmentCommandId!: string | null;
  @Column(dateColumn('containment_changed_at')) containmentChangedAt!: Date | null;
  /** JSON object: the evidence or the reason of the last change. */
  @Column({ name: 'containment_detail', type: 'text', nullable: true }) containmentDetail!:
    string | null;
}
