import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, ID_COLUMN } from '../database/column-types';
import type { FindingSource } from '../scan/scan-scope';

@Entity('findings')
export class FindingEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  @Column({ name: 'scan_run_id', ...ID_COLUMN }) scanRunId!: string;
  @Column({ name: 'command_id', ...ID_COLUMN }) commandId!: string;
  /** JSON array of base64 strings: the exact bytes of each path element. */
  @Column({ type: 'text' }) chain!: string;
  /** Display path: chain elements joined with "!/", in the lossless text form of common/path-text.ts. */
  @Column({ type: 'text' }) path!: string;
  @Column({ type: 'varchar', length: 32 }) product!: string;
  @Column({ type: 'varchar', length: 64 }) version!: string;
  @Column({ name: 'version_exact', type: 'boolean' }) versionExact!: boolean;
  @Column({ type: 'varchar', length: 16 }) status!: string;
  /** JSON array of CVE ids. */
  @Column({ type: 'text' }) cves!: string;
  /** JSON array of strings. */
  @Column({ type: 'text' }) evidence!: string;
  @Column({ name: 'package_root', type: 'varchar', length: 512 }) packageRoot!: string;
  @Column({ type: 'varchar', length: 64 }) sha256!: string;
  /** The scope that produced it: a path under a scan root, or a running JVM. */
  @Column({ type: 'varchar', length: 16 }) source!: FindingSource;
  /** Part of the host's current findings (no later scan replaced it). */
  @Column({ type: 'boolean' }) current!: boolean;
  /** The scan run that replaced it. */
  @Column({ name: 'superseded_by', type: 'varchar', length: 36, nullable: true })
  supersededBy!: string | null;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
}
