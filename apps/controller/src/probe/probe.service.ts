import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { CommandDto } from '../commands/commands.dto';
import { CommandsService } from '../commands/commands.service';
import { DomainException } from '../common/domain.exception';
import { HostsService } from '../hosts/hosts.service';
import { HostProbesDto, type CreateProbeDto } from './probe.dto';
import { probeParams } from './probe.kind';
import { ProbeQueries } from './probe-queries.service';
import { foreignTargets } from './probe-rules';

/** Requests probes of one host, refusing targets that are not its own, and reads them back. */
@Injectable()
export class ProbeService {
  constructor(
    private readonly hosts: HostsService,
    private readonly commands: CommandsService,
    private readonly audit: AuditService,
    private readonly queries: ProbeQueries,
  ) {}

  async request(hostId: string, dto: CreateProbeDto, actor: string): Promise<CommandDto> {
    const host = await this.hosts.get(hostId);
    const params = probeParams(dto);
    const foreign = foreignTargets(params.targets, host.addresses);
    if (foreign.length > 0) {
      const shown = foreign.map((t) => `${t.address}:${t.port}`).join(', ');
      await this.audit.record({
        actor,
        action: 'probe.refused',
        hostId,
        details: { targets: foreign, reason: 'not an address of the host' },
      });
      throw DomainException.invalid(
        `probe targets ${shown} are not addresses of host ${hostId} (its own: loopback, ${host.addresses.join(', ') || 'none reported'})`,
      );
    }
    const command = await this.commands.create(hostId, { kind: 'probe', params }, actor, {
      expiresInSeconds: dto.expiresInSeconds,
    });
    await this.audit.record({
      actor,
      action: 'probe.requested',
      hostId,
      details: { commandId: command.id, ...params },
    });
    return command;
  }

  async list(hostId: string): Promise<HostProbesDto> {
    await this.hosts.get(hostId);
    return this.queries.hostProbes(hostId);
  }
}
