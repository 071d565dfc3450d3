import { Injectable } from '@nestjs/common';
import type { AuditRecord } from '../audit/audit.dto';
import { AuditService } from '../audit/audit.service';
import type { ResultCommand } from '../commands/commands.repository';
import { loggerFor } from '../common/logger';
import { TransactionService } from '../database/transaction.service';
import { HostsService } from '../hosts/hosts.service';
import { completedBy, type KindResultChunk, type KindResultHandler } from '../results/kind-results';
import type { StoredChunk } from '../results/result-chunks.repository';
import { ProbeRepository } from './probe.repository';
import { toProbeFindingDto } from './probe.mapper';
import { type ProbeEvidence, nextHostProbeRecord, probeVerdict } from './probe-rules';

/** Evidence entries an audit event carries (the full list is in probe_findings). */
const AUDIT_EVIDENCE = 20;

/**
 * The probe kind's result handling: each part adds to its command's probe run and findings; a
 * probe whose every part arrived gets its verdict (probe-rules.ts), updates the host-level
 * probe record (exploitable with evidence, or confirmed clean) and is audited with what was
 * probed and what called back. The host's status follows its one rule (hosts/host-state.ts):
 * a callback is the `probe-callback` event, a probe that clears the record `probe-clean`.
 */
@Injectable()
export class ProbeResults implements KindResultHandler {
  readonly kind = 'probe';
  private readonly logger = loggerFor(ProbeResults.name);

  constructor(
    private readonly tx: TransactionService,
    private readonly repo: ProbeRepository,
    private readonly audit: AuditService,
    private readonly hosts: HostsService,
  ) {}

  async ingest(
    chunks: KindResultChunk[],
    commands: ReadonlyMap<string, ResultCommand>,
    stored: ReadonlyMap<string, readonly StoredChunk[]>,
    createdAt: string,
  ): Promise<void> {
    const at = new Date(createdAt);
    chunks.sort((x, y) => x.commandId.localeCompare(y.commandId) || x.sequence - y.sequence);
    for (const chunk of chunks) {
      const kind = chunk.results.kindResults?.kind;
      // Checked at upload (wrongKindOfResults): a probe's chunk carries probe results.
      if (kind?.$case !== 'probe') continue;
      await this.repo.addPart(commands.get(chunk.commandId)!, kind.value, at);
    }
    const done = completedBy(chunks, stored)
      .map((id) => commands.get(id)!)
      .sort((x, y) => (x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : 0));
    const events: AuditRecord[] = [];
    for (const command of done) events.push(...(await this.complete(command, at)));
    if (events.length > 0) await this.audit.recordMany(events);
  }

  private async complete(command: ResultCommand, at: Date): Promise<AuditRecord[]> {
    const run = await this.repo.run(command.id);
    if (!run || run.completedAt) return [];
    const targets = JSON.parse(run.targets) as Array<{
      port?: number;
      outcome?: string;
      requests?: number;
    }>;
    const errors = JSON.parse(run.errors) as string[];
    const outcomes = targets.map((t) => ({ port: t.port ?? 0, outcome: t.outcome ?? '' }));
    const verdict = probeVerdict({ findings: run.findingsCount, targets: outcomes, errors });
    await this.repo.markComplete(command.id, verdict, at);
    const findings = await this.repo.findingsOf([command.id]);
    const evidence: ProbeEvidence[] = findings.map((f) => ({
      address: f.address,
      port: f.port,
      location: f.location,
      field: f.field,
      form: f.form,
      protocol: f.protocol,
      pid: f.pid,
      comm: f.comm,
    }));
    const current = await this.repo.hostRecord(command.hostId);
    const next = nextHostProbeRecord(current, {
      commandId: command.id,
      commandCreatedAt: command.createdAt,
      verdict,
      evidence,
      probedPorts: outcomes.filter((t) => t.outcome === 'probed').map((t) => t.port),
      completedAt: at.toISOString(),
    });
    const events: AuditRecord[] = [
      {
        actor: command.agentId,
        action: 'probe.completed',
        hostId: command.hostId,
        details: {
          commandId: command.id,
          verdict,
          targets: targets.map((t) => ({
            port: t.port ?? 0,
            outcome: t.outcome ?? '',
            requests: t.requests ?? 0,
          })),
          requests: run.requests,
          callbacks: findings.length,
          evidence: findings.slice(0, AUDIT_EVIDENCE).map(toProbeFindingDto),
          errors: errors.slice(0, AUDIT_EVIDENCE),
          ...(next ? {} : { superseded: true }),
        },
      },
    ];
    if (!next) return events;
    await this.repo.saveHostRecord(command.hostId, next, at);
    const context = { actor: command.agentId, commandId: command.id };
    if (next.exploitable && verdict === 'exploitable')
      await this.hosts.applyProbe(
        command.hostId,
        'probe-callback',
        { records: 'clean', remediationPending: false },
        context,
      );
    else if (!next.exploitable && verdict === 'no-callback')
      await this.hosts.applyProbe(
        command.hostId,
        'probe-clean',
        await this.repo.hostRecords(command.hostId),
        context,
      );
    if (next.exploitable && !current?.exploitable) {
      this.logger.warn(
        { hostId: command.hostId, commandId: command.id, callbacks: findings.length },
        'probe: host exploitable',
      );
      events.push({
        actor: command.agentId,
        action: 'host.probe-exploitable',
        hostId: command.hostId,
        details: { commandId: command.id, evidence: next.evidence.slice(0, AUDIT_EVIDENCE) },
      });
    } else if (current?.exploitable && !next.exploitable) {
      events.push({
        actor: command.agentId,
        action: 'host.probe-confirmed-clean',
        hostId: command.hostId,
        details: { commandId: command.id, previousCommandId: current.exploitableCommandId },
      });
    }
    return events;
  }
}
