import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber, dateColumn, ID_COLUMN } from '../database/column-types';

/** One inventory snapshot of a host as its agent reported it; history is kept, rows are never updated. */
@Entity('inventory_snapshots')
export class InventorySnapshotEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  @Column({ name: 'agent_id', ...ID_COLUMN }) agentId!: string;
  /** The agent's collected_at_ms; (agent_id, collected_at_ms) is the idempotency key. */
  @Column({ name: 'collected_at_ms', type: 'bigint', transformer: bigintNumber })
  collectedAtMs!: number;
  @Column(dateColumn('collected_at', false)) collectedAt!: Date;
  @Column(dateColumn('received_at', false)) receivedAt!: Date;
  /** The snapshot as ts-proto's InventorySnapshot.toJSON(). */
  @Column({ type: 'text' }) snapshot!: string;
  /** The host's name in the controller when the snapshot arrived (the agent's own view is in the JSON). */
  @Column({ type: 'varchar', length: 255 }) hostname!: string;
  @Column({ name: 'os_name', type: 'varchar', length: 255 }) osName!: string;
  @Column({ name: 'os_version', type: 'varchar', length: 255 }) osVersion!: string;
  /** A running JVM holds a log4j copy with status "vulnerable". */
  @Column({ name: 'running_vulnerable_jvm', type: 'boolean' }) runningVulnerableJvm!: boolean;
  /** A running JVM still runs a jar deleted or replaced on disk. */
  @Column({ name: 'restart_needed', type: 'boolean' }) restartNeeded!: boolean;
  /** JSON array of the names of privileged accounts. */
  @Column({ name: 'privileged_accounts', type: 'text' }) privilegedAccounts!: string;
  /** A privileged account appeared since the previous snapshot (false for the first one). */
  @Column({ name: 'privileged_added', type: 'boolean' }) privilegedAdded!: boolean;
  /** Last package-manager run (dpkg/apt/rpm); null when the logs show none. */
  @Column(dateColumn('last_update_at')) lastUpdateAt!: Date | null;
  /** Number of changes found against the previous snapshot. */
  @Column({ type: 'integer' }) changes!: number;
}
