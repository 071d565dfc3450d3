import { ApiProperty } from '@nestjs/swagger';
import type { DeliveredTo } from '../cluster/command-delivery.service';

const DELIVERED_TO: readonly DeliveredTo[] = ['local', 'another-process', 'not-connected'];

/** The answer to POST /hosts/:id/inventory/refresh. */
export class InventoryRefreshDto {
  @ApiProperty() hostId!: string;
  @ApiProperty({ description: "The host's active agent, asked for the snapshot" })
  agentId!: string;
  @ApiProperty({ description: "Names the request in the agent's log and the audit event" })
  requestId!: string;
  @ApiProperty({ description: 'When the controller asked (ISO-8601)' }) requestedAt!: string;
  @ApiProperty({
    enum: DELIVERED_TO,
    description:
      'Where the request went: the agent\'s stream on this controller process ("local"), on another controller process ("another-process"), or nowhere ("not-connected": the agent is offline; it sends a snapshot anyway when it connects)',
  })
  deliveredTo!: DeliveredTo;
  @ApiProperty({ description: 'Whether the request reached a connected agent' })
  reachedAgent!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'The latest snapshot when asked (null: none yet): GET /hosts/:id/inventory or /hosts/:id/processes shows the fresh one once its id differs from this',
  })
  previousSnapshotId!: string | null;
}
