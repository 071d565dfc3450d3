import { Injectable } from '@nestjs/common';
import { AgentsService } from '../agents/agents.service';
import { AuditService } from '../audit/audit.service';
import { ProbeQueries } from '../probe/probe-queries.service';
import { FindingsService } from '../results/findings.service';
import { HostDetailDto } from './host-detail.dto';
import { HostsService } from './hosts.service';

/** Assembles one host's page from the services that own each part. */
@Injectable()
export class HostDetailService {
  constructor(
    private readonly hosts: HostsService,
    private readonly agents: AgentsService,
    private readonly findings: FindingsService,
    private readonly audit: AuditService,
    private readonly probes: ProbeQueries,
  ) {}

  async get(id: string): Promise<HostDetailDto> {
    const host = await this.hosts.get(id);
    const [agents, inventory, statusHistory, probe] = await Promise.all([
      this.agents.listForHost(id),
      this.findings.inventoryOf(host),
      this.audit.hostStatusHistory(id),
      this.probes.hostState(id),
    ]);
    return {
      host,
      agents,
      latestScan: inventory.scanRun,
      findings: inventory.findings,
      errors: inventory.errors,
      statusHistory,
      probe,
    };
  }
}
