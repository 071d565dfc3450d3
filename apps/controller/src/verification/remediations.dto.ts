import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { HOST_STATUSES, HostStatus } from '../hosts/host.entity';

export const REMEDIATION_METHODS = [
  'upgraded',
  'removed-jndilookup',
  'removed-log4j',
  'mitigated',
  'other',
] as const;

export class RecordRemediationDto {
  @ApiProperty({ enum: REMEDIATION_METHODS, description: 'what was done to the host' })
  @IsIn(REMEDIATION_METHODS, {
    message: `method must be one of: ${REMEDIATION_METHODS.join(', ')}`,
  })
  method!: string;

  @ApiProperty({ description: 'what was changed, by whom, where (1-2000 characters)' })
  @IsString()
  @Length(1, 2000)
  note!: string;

  @ApiPropertyOptional({ description: 'change or incident ticket' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[\x20-\x7e]+$/, { message: 'ticket must be printable ASCII' })
  ticket?: string;
}

export class RemediationDto {
  @ApiProperty({ description: "the remediation's command id (kind remediate, state succeeded)" })
  commandId!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty({ enum: HOST_STATUSES }) hostStatus!: HostStatus;
  @ApiProperty() recordedBy!: string;
  @ApiProperty() recordedAt!: string;
  @ApiProperty({ description: 'the verification rescan campaign (created by a queue job)' })
  verificationCampaignId!: string;
  @ApiProperty({ description: 'false when the job queue refused the verification (see reason)' })
  verificationQueued!: boolean;
  @ApiPropertyOptional() verificationError?: string;
}

export const REMEDIATION_VERIFICATIONS = [
  'pending',
  'unverified',
  'verified',
  'failed',
  'not-applicable',
] as const;
export type RemediationVerification = (typeof REMEDIATION_VERIFICATIONS)[number];

export class RemediationTargetsDto {
  @ApiProperty({ type: [String], description: 'Paths of the remediated findings' })
  paths!: string[];
  @ApiProperty({ description: 'Whether one was found in a running JVM' }) processes!: boolean;
}

export const PROBE_CONFIRMATIONS = ['none', 'callback', 'no-callback'] as const;
export type ProbeConfirmation = (typeof PROBE_CONFIRMATIONS)[number];

export class ProbeConfirmationDto {
  @ApiProperty({
    enum: PROBE_CONFIRMATIONS,
    description:
      'The newest conclusive canary probe created after the remediation: no-callback confirms it by a second method, callback says a service still looks up user input, none: no such probe (inconclusive probes do not count)',
  })
  result!: ProbeConfirmation;
  @ApiProperty({ nullable: true, type: String, description: "The probe's command id" })
  commandId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'When that probe completed' })
  at!: string | null;
}

export class RemediationStatusDto {
  @ApiProperty({ description: "The remediation's command id (kind remediate)" }) commandId!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() recordedBy!: string;
  @ApiProperty() recordedAt!: string;
  @ApiProperty({
    enum: REMEDIATION_VERIFICATIONS,
    description:
      'pending: no scan completed since; unverified: the scans since did not prove it (see reason); verified: a rescan created after it covered every remediated finding completely and found none still vulnerable; failed: such a rescan still found one vulnerable; not-applicable: the remediation itself did not succeed',
  })
  verification!: RemediationVerification;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The scan run that verified it (or found it still vulnerable)',
  })
  verifiedByScanRunId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why it is not verified' })
  reason!: string | null;
  @ApiProperty({
    type: RemediationTargetsDto,
    nullable: true,
    description: 'Where its rescan must verify it',
  })
  targets!: RemediationTargetsDto | null;
  @ApiProperty() verificationCampaignId!: string;
  @ApiProperty({
    type: ProbeConfirmationDto,
    description: "The second method beside the rescan's verdict (verification)",
  })
  probeConfirmation!: ProbeConfirmationDto;
}
