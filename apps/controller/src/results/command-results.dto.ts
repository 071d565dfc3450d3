import { ApiProperty } from '@nestjs/swagger';

export class ResultChunkDto {
  @ApiProperty() sequence!: number;
  @ApiProperty() totalChunks!: number;
  @ApiProperty() agentId!: string;
  @ApiProperty() findings!: number;
  @ApiProperty() errors!: number;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ nullable: true, type: String }) ingestedAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Set aside: this chunk can never be ingested (see failure)',
  })
  failedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) failure!: string | null;
}

/** Where a command's uploaded results are: received, ingested, or set aside and why. */
export class CommandResultsDto {
  @ApiProperty() commandId!: string;
  @ApiProperty() received!: number;
  @ApiProperty() ingested!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [ResultChunkDto] }) chunks!: ResultChunkDto[];
}

export class RetryResultsDto {
  @ApiProperty({ description: 'Chunks set aside that were given an ingest job again' })
  requeued!: number;
}
