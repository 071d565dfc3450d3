import { Injectable } from '@nestjs/common';
import type { ProbeResults } from '@log4fleet/contracts';
import { ProbeTargetResult, ProbeCallback } from '@log4fleet/contracts';
import { In } from 'typeorm';
import { REMEDIATION_KINDS } from '../commands/kinds';
import { timeOrderedUuid } from '../common/time-ordered-id';
import { rawQuery } from '../database/raw-query';
import type { HostRecords } from '../hosts/host-state';
import { VULNERABLE_PRODUCT } from '../scan/scan-rows';
import { TransactionService } from '../database/transaction.service';
import { HostProbeStateEntity, ProbeFindingEntity, ProbeRunEntity } from './probe-run.entity';
import type { HostProbeRecord, ProbeEvidence, ProbeVerdict } from './probe-rules';

/** The probe command a part belongs to, as ingestion knows it. */
export interface ProbeCommandRef {
  id: string;
  hostId: string;
  agentId: string;
  createdAt: string;
}

const json = (text: string): unknown[] => {
  const v = JSON.parse(text) as unknown;
  return Array.isArray(v) ? v : [];
};

/** The probe kind's rows: runs, findings, the host-level record. SQL in the ambient unit of work. */
@Injectable()
export class ProbeRepository {
  constructor(private readonly tx: TransactionService) {}

  private get m() {
    return this.tx.manager;
  }

  /** Adds one result part to its command's run (created with the first part that arrives). */
  async addPart(command: ProbeCommandRef, part: ProbeResults, createdAt: Date): Promise<void> {
    const runs = this.m.getRepository(ProbeRunEntity);
    const run = (await runs.findOneBy({ commandId: command.id })) ?? {
      commandId: command.id,
      hostId: command.hostId,
      agentId: command.agentId,
      startedAt: '',
      finishedAt: '',
      verdict: '',
      targets: '[]',
      errors: '[]',
      unmatched: '[]',
      findingsCount: 0,
      requests: 0,
      ldapPort: 0,
      dnsPort: 0,
      commandCreatedAt: new Date(command.createdAt),
      completedAt: null,
      createdAt,
    };
    run.startedAt = part.startedAt || run.startedAt;
    run.finishedAt = part.finishedAt || run.finishedAt;
    run.ldapPort = part.ldapPort || run.ldapPort;
    run.dnsPort = part.dnsPort || run.dnsPort;
    run.targets = JSON.stringify([
      ...json(run.targets),
      ...part.targets.map((t) => ProbeTargetResult.toJSON(t)),
    ]);
    run.errors = JSON.stringify([...json(run.errors), ...part.errors]);
    run.unmatched = JSON.stringify([
      ...json(run.unmatched),
      ...part.unmatched.map((c) => ProbeCallback.toJSON(c)),
    ]);
    run.requests += part.targets.reduce((n, t) => n + t.requests, 0);
    run.findingsCount += part.findings.length;
    await runs.save(run);
    if (part.findings.length === 0) return;
    await this.m.getRepository(ProbeFindingEntity).insert(
      part.findings.map((f) => ({
        id: timeOrderedUuid(),
        commandId: command.id,
        hostId: command.hostId,
        address: f.address.slice(0, 64),
        port: f.port,
        location: f.location.slice(0, 16),
        field: f.field.slice(0, 255),
        form: f.form.slice(0, 32),
        protocol: f.protocol.slice(0, 8),
        token: f.token.slice(0, 255),
        callbackAt: f.at.slice(0, 40),
        pid: f.process ? f.process.pid : null,
        comm: (f.process?.comm ?? '').slice(0, 255),
        message: f.message,
        createdAt,
      })),
    );
  }

  run(commandId: string): Promise<ProbeRunEntity | null> {
    return this.m.getRepository(ProbeRunEntity).findOneBy({ commandId });
  }

  async markComplete(commandId: string, verdict: ProbeVerdict, at: Date): Promise<void> {
    await this.m.getRepository(ProbeRunEntity).update({ commandId }, { verdict, completedAt: at });
  }

  findingsOf(commandIds: string[]): Promise<ProbeFindingEntity[]> {
    if (commandIds.length === 0) return Promise.resolve([]);
    return this.m
      .getRepository(ProbeFindingEntity)
      .find({ where: { commandId: In(commandIds) }, order: { port: 'ASC', id: 'ASC' } });
  }

  async hostRecord(hostId: string): Promise<(HostProbeRecord & { updatedAt: string }) | null> {
    const row = await this.m.getRepository(HostProbeStateEntity).findOneBy({ hostId });
    if (!row) return null;
    return {
      exploitable: row.exploitable,
      lastVerdict: row.lastVerdict as ProbeVerdict,
      lastCommandId: row.lastCommandId,
      lastCommandCreatedAt: row.lastCommandCreatedAt.toISOString(),
      exploitableCommandId: row.exploitableCommandId,
      exploitableSince: row.exploitableSince?.toISOString() ?? null,
      evidence: json(row.evidence) as ProbeEvidence[],
      confirmedCleanCommandId: row.confirmedCleanCommandId,
      confirmedCleanAt: row.confirmedCleanAt?.toISOString() ?? null,
      updatedAt: row.updatedAt.toISOString(),
    };
  }

  async saveHostRecord(hostId: string, r: HostProbeRecord, at: Date): Promise<void> {
    const date = (s: string | null) => (s ? new Date(s) : null);
    await this.m.getRepository(HostProbeStateEntity).save({
      hostId,
      exploitable: r.exploitable,
      lastVerdict: r.lastVerdict,
      lastCommandId: r.lastCommandId,
      lastCommandCreatedAt: new Date(r.lastCommandCreatedAt),
      exploitableCommandId: r.exploitableCommandId,
      exploitableSince: date(r.exploitableSince),
      evidence: JSON.stringify(r.evidence),
      confirmedCleanCommandId: r.confirmedCleanCommandId,
      confirmedCleanAt: date(r.confirmedCleanAt),
      updatedAt: at,
    });
  }

  /**
   * What the host's own records say for the state rule's `probe-clean` (hosts/host-state.ts):
   * whether its current findings hold a vulnerable log4j-core, whether a remediation awaits its
   * rescan, whether its newest settled remediation was verified.
   */
  async hostRecords(
    hostId: string,
  ): Promise<{ records: HostRecords; remediationPending: boolean }> {
    const { rows: vulnerable } = await rawQuery(
      this.m,
      `SELECT 1 AS one FROM findings WHERE host_id = $1 AND current = TRUE AND product = $2
       AND status = 'vulnerable' LIMIT 1`,
      [hostId, VULNERABLE_PRODUCT],
    );
    const { rows: remediations } = await rawQuery<{ state: string }>(
      this.m,
      `SELECT state FROM commands WHERE host_id = $1 AND kind IN (${REMEDIATION_KINDS.map((k) => `'${k}'`).join(', ')})
       AND state IN ('succeeded', 'verified', 'failed') ORDER BY created_at DESC`,
      [hostId],
    );
    return {
      records:
        vulnerable.length > 0
          ? 'vulnerable'
          : remediations[0]?.state === 'verified'
            ? 'verified'
            : 'clean',
      remediationPending: remediations.some((r) => r.state === 'succeeded'),
    };
  }

  /** A host's newest completed probes with a conclusive verdict (exploitable, no-callback), newest command first. */
  conclusiveRunsOfHost(hostId: string, limit: number): Promise<ProbeRunEntity[]> {
    return this.m.getRepository(ProbeRunEntity).find({
      where: { hostId, verdict: In(['exploitable', 'no-callback']) },
      order: { commandCreatedAt: 'DESC' },
      take: limit,
    });
  }

  /** A host's newest probe runs, newest command first. */
  runsOfHost(hostId: string, limit: number): Promise<ProbeRunEntity[]> {
    return this.m
      .getRepository(ProbeRunEntity)
      .find({ where: { hostId }, order: { commandCreatedAt: 'DESC' }, take: limit });
  }
}
