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
import { QueuesService } from '../queues/queues.service';
import { RecordRemediationDto, RemediationDto } from './remediations.dto';

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
  ) {}

  onModuleInit(): void {
    this.commands.onVerifiableSuccess((success) => this.request(success));
  }

  /** Queues the rescan; the job id is the command's, so a repeated success queues nothing twice. */
  async request(success: VerifiableSuccess): Promise<void> {
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
    const { command, host } = await this.tx.run(async (manager) => {
      const host = await this.hosts.require(hostId, manager);
      const command = await this.commands.recordManualRemediation(
        hostId,
        { method: dto.method, note: dto.note, ...(dto.ticket ? { ticket: dto.ticket } : {}) },
        actor,
      );
      await this.hosts.markRemediated(host, actor, command.id, manager);
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

  /** The job: a one-host 'verify' campaign with the default scan (created once per command). */
  async createRescan(data: VerificationRescanJobData): Promise<void> {
    const host = await this.hosts.require(data.hostId);
    const campaign = await this.campaigns.createFromSpec(
      {
        id: verificationCampaignId(data.commandId),
        name: `verify ${host.hostname} after ${data.commandId}`.slice(0, 128),
        kind: 'verify',
        selector: { hostIds: [data.hostId] },
        params: this.config.verificationScanPaths
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
