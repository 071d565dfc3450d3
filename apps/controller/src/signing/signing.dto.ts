import { ApiProperty } from '@nestjs/swagger';

/** One key of the fleet's command-signing chain; never its private part. */
export class CommandSigningKeyDto {
  @ApiProperty() generation!: number;
  @ApiProperty({ description: 'Raw Ed25519 public key, base64' }) publicKey!: string;
  @ApiProperty() notBefore!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ description: 'Whether this process signs with it now' }) current!: boolean;
  @ApiProperty({ enum: ['file', 'database', 'database-encrypted'] })
  storage!: 'file' | 'database' | 'database-encrypted';
}
