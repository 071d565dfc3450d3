import { ApiProperty } from '@nestjs/swagger';
import { AgentDto } from '../agents/agents.dto';
import { AuditEventDto } from '../audit/audit.dto';
import { FindingDto, ScanErrorDto, ScanRunDto } from '../results/findings.dto';
import { HostProbeStateDto } from '../probe/probe.dto';
import { HostDto } from './hosts.dto';

export class HostDetailDto {
  @ApiProperty({ type: HostDto }) host!: HostDto;
  @ApiProperty({ type: [AgentDto] }) agents!: AgentDto[];
  @ApiProperty({ type: ScanRunDto, nullable: true }) latestScan!: ScanRunDto | null;
  @ApiProperty({
    type: [FindingDto],
    description:
      "The host's current findings: the union of what its latest scans saw, each in its scope",
  })
  findings!: FindingDto[];
  @ApiProperty({ type: [ScanErrorDto], description: 'Errors of the latest completed scan' })
  errors!: ScanErrorDto[];
  @ApiProperty({ type: [AuditEventDto], description: 'Status changes, oldest first' })
  statusHistory!: AuditEventDto[];
  @ApiProperty({
    type: HostProbeStateDto,
    nullable: true,
    description:
      "The canary probes' record: exploitable (a service performed a JNDI lookup of user input) with evidence; null before any probe completed",
  })
  probe!: HostProbeStateDto | null;
}
