import { Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { CommandsService } from '../commands/commands.service';

export class TimelineEntryDto {
  @ApiProperty() at!: string;
  @ApiProperty({
    description:
      'an audit action (agent.enrolled, scan.completed, host.status_changed, containment.verified, remediation.recorded, host.flagged ...) or command.<state> for each state a command went through',
  })
  action!: string;
  @ApiProperty() actor!: string;
  @ApiPropertyOptional({ type: String }) commandId?: string;
  @ApiProperty({ type: Object }) details!: Record<string, unknown>;
}

/**
 * A host's whole story in order (the record the advisory asks every organisation to keep):
 * its audit events (enrollment, scans and verdicts, status changes, containment with evidence,
 * remediations, flags) and every state its commands went through.
 */
@Injectable()
export class HostTimelineService {
  constructor(
    private readonly audit: AuditService,
    private readonly commands: CommandsService,
  ) {}

  async timeline(hostId: string): Promise<TimelineEntryDto[]> {
    const [commands, events] = await Promise.all([
      this.commands.listForHost(hostId),
      this.audit.hostEvents(hostId),
    ]);
    const entries: TimelineEntryDto[] = events.map((e) => ({
      at: e.at,
      action: e.action,
      actor: e.actor,
      details: e.details,
    }));
    for (const c of commands)
      for (const [state, at] of Object.entries(c.timestamps)) {
        if (!at) continue;
        entries.push({
          at,
          action: `command.${state}`,
          actor: state === 'queued' ? c.createdBy : c.agentId,
          commandId: c.id,
          details: {
            kind: c.kind,
            ...(state === c.state && c.message ? { message: c.message } : {}),
          },
        });
      }
    // Stable: events recorded at the same millisecond keep the order they were written in.
    return entries
      .map((e, i) => ({ e, i }))
      .sort((x, y) => (x.e.at < y.e.at ? -1 : x.e.at > y.e.at ? 1 : x.i - y.i))
      .map(({ e }) => e);
  }
}
