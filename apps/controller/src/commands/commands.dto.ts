import type { AgentReportedState } from '@log4fleet/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { DeliveredTo } from '../cluster/command-delivery.service';
import { COMMAND_KIND_NAMES } from './kinds';
import { COMMAND_STATES, CommandStateName } from './command.entity';

const DELIVERED_TO: readonly DeliveredTo[] = ['local', 'another-process', 'not-connected'];

export class CommandDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() agentId!: string;
  @ApiProperty({ enum: COMMAND_KIND_NAMES }) kind!: string;
  @ApiProperty({ type: Object }) payload!: Record<string, unknown>;
  @ApiProperty({ enum: COMMAND_STATES }) state!: CommandStateName;
  @ApiProperty({ nullable: true, type: String }) message!: string | null;
  @ApiProperty({ nullable: true, type: Number }) totalChunks!: number | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ description: 'When the command entered each state it went through', type: Object })
  timestamps!: Partial<Record<CommandStateName, string>>;
  @ApiProperty({
    description:
      'Whether it was pushed to an agent connected to this controller process when created',
  })
  pushed?: boolean;
  @ApiPropertyOptional({
    enum: DELIVERED_TO,
    description:
      'Where the push went when it was created: the stream of this controller process ("local"), another controller process that holds the agent\'s stream ("another-process"), or nowhere: the agent is not connected and gets the command when it connects ("not-connected": queued)',
  })
  deliveredTo?: DeliveredTo;
}

export interface CommandUpdateInput {
  commandId: string;
  state: AgentReportedState;
  message: string;
  atMs: number;
  totalChunks: number;
}
