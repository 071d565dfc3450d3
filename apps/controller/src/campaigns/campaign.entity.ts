import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CAMPAIGN_COMMAND_KINDS, type KindName } from '../commands/kinds';
import { dateColumn, ID_COLUMN } from '../database/column-types';

/**
 * A campaign's kind: the command kind it runs (any kind of the registry that allows campaigns),
 * or 'verify': scans that check a remediation (their result moves hosts to verified or back to
 * vulnerable).
 */
export type CampaignKind = KindName | 'verify';
export const CAMPAIGN_KINDS: readonly CampaignKind[] = [...CAMPAIGN_COMMAND_KINDS, 'verify'];
/** The command kind a campaign of this kind runs. */
export function commandKindOf(kind: CampaignKind): KindName {
  return kind === 'verify' ? 'scan' : kind;
}

export const CAMPAIGN_STATUSES = [
  'canary',
  'running',
  'paused',
  'completed',
  'cancelled',
  'expired',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const FINAL_CAMPAIGN_STATUSES: ReadonlySet<CampaignStatus> = new Set([
  'completed',
  'cancelled',
  'expired',
]);

@Entity('campaigns')
export class CampaignEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ type: 'varchar', length: 128 }) name!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: CampaignKind;
  @Column({ type: 'varchar', length: 16 }) status!: CampaignStatus;
  @Column({ name: 'status_reason', type: 'text', nullable: true }) statusReason!: string | null;
  /** JSON of CampaignSelector. */
  @Column({ type: 'text' }) selector!: string;
  /** The kind of the commands it creates (a kind of commands/kinds.ts). */
  @Column({ name: 'command_kind', type: 'varchar', length: 32, default: 'scan' })
  commandKind!: KindName;
  /** JSON of the command kind's parameters as given (read back by the kind's fromStored). */
  @Column({ type: 'text' }) params!: string;
  @Column({ name: 'pace_per_second', type: 'integer', nullable: true }) pacePerSecond!:
    number | null;
  @Column({ name: 'canary_size', type: 'integer' }) canarySize!: number;
  @Column({ name: 'failure_threshold', type: 'integer', nullable: true }) failureThreshold!:
    number | null;
  @Column({ name: 'jitter_window_s', type: 'integer', nullable: true }) jitterWindowS!:
    number | null;
  @Column({ name: 'target_count', type: 'integer' }) targetCount!: number;
  @Column({ name: 'resume_count', type: 'integer' }) resumeCount!: number;
  @Column({ name: 'schedule_id', type: 'varchar', length: 36, nullable: true }) scheduleId!:
    string | null;
  /** The schedule's run this campaign is (unique per schedule: a retried run creates nothing). */
  @Column({ name: 'run_key', type: 'varchar', length: 64, nullable: true }) runKey!: string | null;
  @Column({ name: 'created_by', type: 'varchar', length: 128 }) createdBy!: string;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
  @Column(dateColumn('expires_at', false)) expiresAt!: Date;
  @Column(dateColumn('canary_passed_at')) canaryPassedAt!: Date | null;
  @Column(dateColumn('paused_at')) pausedAt!: Date | null;
  @Column(dateColumn('finished_at')) finishedAt!: Date | null;
}

export const TARGET_STATES = [
  'pending',
  'dispatching',
  'dispatched',
  'skipped',
  'cancelled',
  'expired',
] as const;
export type TargetState = (typeof TARGET_STATES)[number];

/** One targeted host of a campaign, and the command that was created for it. */
@Entity('campaign_targets')
export class CampaignTargetEntity {
  @PrimaryColumn({ name: 'campaign_id', ...ID_COLUMN }) campaignId!: string;
  @PrimaryColumn({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  /** Order of dispatch (canary hosts first); drives pacing. */
  @Column({ type: 'integer' }) position!: number;
  @Column({ type: 'boolean' }) canary!: boolean;
  @Column({ type: 'varchar', length: 16 }) state!: TargetState;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ name: 'command_id', type: 'varchar', length: 36, nullable: true }) commandId!:
    string | null;
  @Column({ name: 'agent_id', type: 'varchar', length: 36, nullable: true }) agentId!:
    string | null;
  @Column(dateColumn('dispatched_at')) dispatchedAt!: Date | null;
}
