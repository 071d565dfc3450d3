import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { KindName } from '../commands/kinds';
import { dateColumn, ID_COLUMN } from '../database/column-types';

/** A recurring campaign (of scans, or of any kind that allows schedules): each run creates a campaign whose per-host starts are spread by jitter. */
@Entity('scan_schedules')
export class ScheduleEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ type: 'varchar', length: 128 }) name!: string;
  @Column({ type: 'varchar', length: 128, nullable: true }) cron!: string | null;
  @Column({ name: 'every_s', type: 'integer', nullable: true }) everyS!: number | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) timezone!: string | null;
  /** JSON of CampaignSelector. */
  @Column({ type: 'text' }) selector!: string;
  /** The kind of the commands its campaigns create (a kind of commands/kinds.ts). */
  @Column({ name: 'command_kind', type: 'varchar', length: 32, default: 'scan' })
  commandKind!: KindName;
  /** JSON of the command kind's parameters as given. */
  @Column({ type: 'text' }) params!: string;
  @Column({ name: 'jitter_window_s', type: 'integer' }) jitterWindowS!: number;
  @Column({ name: 'campaign_ttl_s', type: 'integer' }) campaignTtlS!: number;
  @Column({ name: 'failure_threshold', type: 'integer', nullable: true }) failureThreshold!:
    number | null;
  @Column({ name: 'run_count', type: 'integer' }) runCount!: number;
  @Column({ name: 'last_campaign_id', type: 'varchar', length: 36, nullable: true })
  lastCampaignId!: string | null;
  @Column(dateColumn('last_run_at')) lastRunAt!: Date | null;
  /** Set when the controller refuses to run the schedule (it fires faster than the minimum); no job scheduler then. */
  @Column({ name: 'paused_reason', type: 'text', nullable: true }) pausedReason!: string | null;
  @Column({ name: 'created_by', type: 'varchar', length: 128 }) createdBy!: string;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
}
