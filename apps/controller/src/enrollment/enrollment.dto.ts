import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { HOST_TAG_PATTERN } from '../hosts/hosts.dto';

export class CreateEnrollmentTokenDto {
  @ApiProperty({ minLength: 1, maxLength: 128 }) @IsString() @Length(1, 128) name!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 8760, default: 24 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(8760)
  expiresInHours?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1000000,
    default: 1,
    description: 'How many hosts may enroll with it',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxUses?: number;

  @ApiPropertyOptional({ type: [String], description: 'Tags given to every host enrolled with it' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @Matches(HOST_TAG_PATTERN, {
    each: true,
    message: 'each tag must be 1-64 of A-Z a-z 0-9 _ . : / = -',
  })
  tags?: string[];

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      "A replacement token: it enrolls only this host's machine, and may replace the host's active agent (an agent that lost its state directory). Single use.",
  })
  @IsOptional()
  @IsUUID()
  replaceHostId?: string;
}

export class EnrollmentTokenDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty() maxUses!: number;
  @ApiProperty() uses!: number;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty() revoked!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Set for a replacement token' })
  replaceHostId!: string | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
}

export class CreatedEnrollmentTokenDto extends EnrollmentTokenDto {
  @ApiProperty({ description: 'The token for `log4fleet-agent enroll --token`; shown once' })
  token!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'SHA-256 of the gRPC TLS certificate, for `log4fleet-agent enroll --fingerprint`; null without TLS',
  })
  controllerFingerprint!: string | null;
}

export class ControllerCertificateDto {
  @ApiProperty() tls!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: '"sha256:<hex>" of the certificate DER, for `enroll --fingerprint`',
  })
  sha256!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The same, as `openssl x509 -noout -fingerprint -sha256` prints it',
  })
  openssl!: string | null;
}
