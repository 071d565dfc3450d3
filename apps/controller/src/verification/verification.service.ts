import { kindDefinition, REMEDIATION_KINDS } from '../commands/kinds';
import { posix } from 'node:path';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CampaignsService } from '../campaigns/campaigns.service';
import { CommandsService, VerifiableSuccess } from '../commands/commands.service';
import { deterministicUuid } from '../common/deterministic-id';
import { loggerFor } from '../common/logger';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { TransactionService } from '../database/transaction.service';
import { HostsService } from '../hosts/hosts.service';
import { JobName, jobId } from '../queues/queue-names';
import { ProbeQueries } from '../probe/probe-queries.service';
import { QueuesService } from '../queues/queues.service';
import { FindingsService } from '../results/findings.service';
import {
  ProbeConfirmationDto,
  RecordRemediationDto,
  RemediationDto,
  RemediationStatusDto,
  RemediationVerification,
} from './remediations.dto';
import type { RemediationTargets } from './remediation-proof';

/** A scan covering the targets: each path's directory, and the JVMs when a target was one. */
export function rescanParams(targets: RemediationTargets): Record<string, unknown> {
  const paths = [...new Set(targets.paths.map((p) => posix.dirname(p)))].sort();
  if (paths.length === 0) return { processesOnly: true };
  return { paths, processes: targets.processes };
}

export interface VerificationRescanJobData {
  commandId: string;
  hostId: string;
}

/** The verification campaign of a remediation or quarantine command: one per command. */
export const verificationCampaignId = (commandId: string): string =>
  deterministicUuid('verification', commandId);

/**
 * "Verify mitigations by rescanning": when a remediation or quarantine succeeds on a host (an
 * agent's command, or a remediation recorded by hand), a BullMQ job creates a 'verify' campaign
 * for that host; its scan moves the host to verified, or back to vulnerable.
 */
@Injectable()
export class VerificationService implements OnModuleInit {
  private readonly logger = loggerFor(VerificationService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly commands: CommandsService,
    private readonly hosts: HostsService,
    private readonly campaigns: CampaignsService,
    private readonly queues: QueuesService,
    private readonly tx: TransactionService,
    private readonly findings: FindingsService,
    private readonly probes: ProbeQueries,
  ) {}

  onModuleInit(): void {
    this.commands.onVerifiableSuccess((success) => this.request(success));
  }

  /**
   * Notes where the remediation must be verified (the host's vulnerable findings now, before any
   * rescan), then queues the rescan; the job id is the command's, so a repeated success queues
   * nothing twice.
   */
  async request(success: VerifiableSuccess): Promise<void> {
    const definition = kindDefinition(success.kind);
    if (definition?.changesHost) {
      const command = await this.commands.get(success.commandId);
      if (!definition.changesHost(definition.fromStored(command.payload))) {
        this.logger.info(success, 'the command changed nothing on the host: nothing to verify');
        return;
      }
    }
    if (REMEDIATION_KINDS.includes(success.kind))
      await this.commands.setVerificationTargets(
        success.commandId,
        await this.findings.remediationTargetsOf(success.hostId),
      );
    const data: VerificationRescanJobData = {
      commandId: success.commandId,
      hostId: success.hostId,
    };
    await this.queues.add(JobName.VerificationRescan, data, {
      jobId: jobId('verification', success.commandId),
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
    });
    this.logger.info(data, 'verification rescan queued');
  }

  async recordRemediation(
    hostId: string,
    dto: RecordRemediationDto,
    actor: string,
  ): Promise<RemediationDto> {
    const { command, host } = await this.tx.run(async () => {
      const host = await this.hosts.require(hostId);
      const command = await this.commands.recordManualRemediation(
        hostId,
        { method: dto.method, note: dto.note, ...(dto.ticket ? { ticket: dto.ticket } : {}) },
        actor,
      );
      await this.hosts.markRemediated(host, actor, command.id);
      return { command, host };
    });
    let verificationError: string | undefined;
    try {
      await this.request({ commandId: command.id, hostId, kind: command.kind });
    } catch (error) {
      // The remediation is on record; only its rescan is missing. Say so instead of failing.
      verificationError = `the job queue refused the verification rescan: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.error({ hostId, commandId: command.id, err: verificationError }, 'no rescan');
    }
    return {
      commandId: command.id,
      hostId,
      hostStatus: host.status,
      recordedBy: actor,
      recordedAt: command.createdAt.toISOString(),
      verificationCampaignId: verificationCampaignId(command.id),
      verificationQueued: verificationError === undefined,
      ...(verificationError ? { verificationError } : {}),
    };
  }

  /**
   * A host's remediations with where they must be verified and what verified them (or why not),
   * and beside it the newest conclusive probe after each (the second method).
   */
  async list(hostId: string): Promise<RemediationStatusDto[]> {
    await this.hosts.require(hostId);
    const remediations = await this.commands.remediationsOf(hostId);
    const probes = await this.probes.confirmationsAfter(
      hostId,
      remediations.map((c) => c.succeededAt ?? c.createdAt),
    );
    return remediations.map((c, i) => ({
      commandId: c.id,
      hostId: c.hostId,
      recordedBy: c.createdBy,
      recordedAt: c.createdAt.toISOString(),
      verification: verificationOf(c.state, c.verificationNote),
      verifiedByScanRunId: c.verifiedByScanRunId,
      reason: c.state === 'verified' ? null : (c.verificationNote ?? c.message),
      targets: c.verificationTargets
        ? (JSON.parse(c.verificationTargets) as RemediationTargets)
        : null,
      verificationCampaignId: verificationCampaignId(c.id),
      probeConfirmation: probeConfirmation(probes[i]),
    }));
  }

  /**
   * The job: a one-host 'verify' campaign (created once per command) whose scan covers where the
   * remediated findings were: their directories (a removed jar's directory still exists) and the
   * running JVMs when one was found there; without targets (a quarantine), the default scan.
   */
  async createRescan(data: VerificationRescanJobData): Promise<void> {
    const host = await this.hosts.require(data.hostId);
    const targets = await this.commands.verificationTargetsOf(data.commandId);
    const campaign = await this.campaigns.createFromSpec(
      {
        id: verificationCampaignId(data.commandId),
        name: `verify ${host.hostname} after ${data.commandId}`.slice(0, 128),
        kind: 'verify',
        selector: { hostIds: [data.hostId] },
        // Where the remediated findings were; otherwise (a quarantine) the configured paths
        // (VERIFICATION_SCAN_PATHS), or the default scan.
        params: targets
          ? rescanParams(targets)
          : this.config.verificationScanPaths
            ? { paths: this.config.verificationScanPaths }
            : {},
        expiresAt: new Date(Date.now() + this.config.commandTtlS * 1000),
        pacePerSecond: null,
        canarySize: 0,
        failureThreshold: null,
        jitterWindowS: null,
        scheduleId: null,
        runKey: null,
      },
      'system:verification',
    );
    this.logger.info(
      { hostId: data.hostId, commandId: data.commandId, campaignId: campaign?.id },
      'verification campaign created',
    );
  }
}

function probeConfirmation(
  probe: { verdict: string; commandId: string; completedAt: Date } | null,
): ProbeConfirmationDto {
  if (!probe) return { result: 'none', commandId: null, at: null };
  return {
    result: probe.verdict === 'exploitable' ? 'callback' : 'no-callback',
    commandId: probe.commandId,
    at: probe.completedAt.toISOString(),
  };
}

function verificationOf(state: string, note: string | null): RemediationVerification {
  switch (state) {
    case 'verified':
      return 'verified';
    case 'failed':
      return 'failed';
    case 'succeeded':
      return note ? 'unverified' : 'pending';
    default:
      return 'not-applicable';
  }
}
