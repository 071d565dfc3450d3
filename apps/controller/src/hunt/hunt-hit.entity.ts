import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ID_COLUMN } from '../database/column-types';

/** One hit of a hunt on a host (libs/hunt's HuntHit, or a changed configuration file). */
@Entity('hunt_hits')
export class HuntHitEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  @Column({ name: 'command_id', ...ID_COLUMN }) commandId!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: string;
  @Column({ type: 'varchar', length: 8 }) confidence!: string;
  @Column({ type: 'text' }) file!: string;
  @Column({ type: 'integer' }) line!: number;
  /** The line's own timestamp, ISO UTC. */
  @Column({ name: 'line_at', type: 'varchar', length: 32, nullable: true }) lineAt!: string | null;
  @Column({ type: 'text' }) raw!: string;
  @Column({ name: 'raw_truncated', type: 'boolean' }) rawTruncated!: boolean;
  @Column({ type: 'text' }) decoded!: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) protocol!: string | null;
  @Column({ name: 'target_host', type: 'text', nullable: true }) targetHost!: string | null;
  @Column({ type: 'integer', nullable: true }) port!: number | null;
  @Column({ name: 'target_path', type: 'text', nullable: true }) targetPath!: string | null;
  /** Lower-case; the attacker's infrastructure (grouped fleet-wide). */
  @Column({ name: 'callback_host', type: 'varchar', length: 1024, nullable: true }) callbackHost!:
    string | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) bypass!: string | null;
  /** JSON arrays. */
  @Column({ type: 'text' }) exfiltrates!: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) trace!: string | null;
  @Column({ type: 'text' }) obfuscation!: string;
  @Column({ type: 'text' }) cves!: string;
  @Column({ name: 'indicator_type', type: 'varchar', length: 16, nullable: true }) indicatorType!:
    string | null;
  @Column({ name: 'indicator_value', type: 'text', nullable: true }) indicatorValue!: string | null;
  @Column({ type: 'text' }) message!: string;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt!: string;
}

/** A hunt command's summary and errors on a host (filled as its result parts arrive). */
@Entity('hunt_runs')
export class HuntRunEntity {
  @PrimaryColumn({ name: 'command_id', ...ID_COLUMN }) commandId!: string;
  @Column({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  /** JSON of results.proto HuntSummary; null until the last part arrived. */
  @Column({ type: 'text', nullable: true }) summary!: string | null;
  /** JSON array of {path, code, error}. */
  @Column({ type: 'text' }) errors!: string;
  @Column({ type: 'integer' }) hits!: number;
  @Column({ name: 'completed_at', type: 'varchar', length: 32, nullable: true }) completedAt!:
    string | null;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt!: string;
}
