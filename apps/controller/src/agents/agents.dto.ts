import { ApiProperty } from '@nestjs/swagger';

export class AgentDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() version!: string;
  @ApiProperty() revoked!: boolean;
  @ApiProperty() connected!: boolean;
  @ApiProperty({ nullable: true, type: String }) lastSeenAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty() createdAt!: string;
}

export interface AgentPrincipal {
  agentId: string;
  hostId: string;
}
