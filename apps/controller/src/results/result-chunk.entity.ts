import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, ID_COLUMN } from '../database/column-types';

/**
 * One uploaded chunk; UNIQUE (agent_id, command_id, sequence) makes uploads idempotent. The raw
 * protobuf (base64) waits here until a results.ingest job turns it into rows and sets ingested_at.
 */
@Entity('result_chunks')
export class ResultChunkEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ name: 'agent_id', ...ID_COLUMN }) agentId!: string;
  @Column({ name: 'command_id', ...ID_COLUMN }) commandId!: string;
  @Column({ type: 'integer' }) sequence!: number;
  @Column({ name: 'total_chunks', type: 'integer' }) totalChunks!: number;
  @Column({ name: 'findings_count', type: 'integer' }) findingsCount!: number;
  @Column({ name: 'errors_count', type: 'integer' }) errorsCount!: number;
  @Column(dateColumn('received_at', false)) receivedAt!: Date;
  /** base64 of the UploadResultsRequest bytes; null for chunks stored before ingestion was queued. */
  @Column({ type: 'text', nullable: true }) payload!: string | null;
  @Column(dateColumn('ingested_at')) ingestedAt!: Date | null;
  /** Set aside: the chunk can never be ingested (its bytes do not decode); `failure` says why. */
  @Column(dateColumn('failed_at')) failedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) failure!: string | null;
}
