import { ApiProperty } from '@nestjs/swagger';
import { IsUuid } from '../common/validators';
import { FindingDto } from './findings.dto';

export class CompareScansQueryDto {
  @ApiProperty({ description: 'The earlier scan run' }) @IsUuid() from!: string;
  @ApiProperty({ description: 'The later scan run' }) @IsUuid() to!: string;
}

export class ChangedFindingDto {
  @ApiProperty({ type: FindingDto, description: 'As the earlier scan saw it' }) before!: FindingDto;
  @ApiProperty({ type: FindingDto, description: 'As the later scan saw it' }) after!: FindingDto;
  @ApiProperty({
    type: [String],
    description: 'Fields that differ (status, version, cves, sha256 ...)',
  })
  fields!: string[];
}

export class ScanComparisonDto {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [FindingDto], description: 'Seen by the later scan only' })
  new!: FindingDto[];
  @ApiProperty({
    type: [FindingDto],
    description:
      'Seen by the earlier scan only (where the later scan did not look, a finding is gone from this comparison, not from the host)',
  })
  gone!: FindingDto[];
  @ApiProperty({
    type: [ChangedFindingDto],
    description: 'The same copy (place, product, package) seen differently',
  })
  changed!: ChangedFindingDto[];
  @ApiProperty({ description: 'Whether either scan had more findings than the comparison reads' })
  truncated!: boolean;
}
