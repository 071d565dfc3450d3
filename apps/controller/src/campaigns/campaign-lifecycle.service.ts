import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { CommandDelivery } from '../cluster/command-delivery.service';
import { CommandsService } from '../commands/commands.service';
import { loggerFor } from '../common/logger';
import { isSettled } from './campaign-coverage';
import { CampaignEntity, FINAL_CAMPAIGN_STATUSES } from './campaign.entity';
import { CampaignReportService } from './campaign-report.service';
import { CampaignRunner } from './campaign-runner.service';
import { takeBack } from './campaign-take-back';
import { CampaignsRepository } from './campaigns.repository';

/**
 * A campaign's life after dispatch: the monitor's canary gate, failure threshold and completion,
 * pause, expiry, and cancelling its commands. Dispatch itself is CampaignRunner's.
 */
@Injectable()
export class CampaignLifecycle {
  private readonly logger = loggerFor(CampaignLifecycle.name);

  constructor(
    private readonly repo: CampaignsRepository,
    private readonly commands: CommandsService,
    private readonly delivery: CommandDelivery,
    private readonly report: CampaignReportService,
    private readonly audit: AuditService,
    private readonly runner: CampaignRunner,
  ) {}

  /** Queued/delivered commands become cancelled; agents that hold or run one are told to stop. */
  async cancelCommands(
    campaignId: string,
    actor: string,
  ): Promise<{ cancelled: number; stopRequested: number }> {
    const rows = await this.repo.commandsInStates(campaignId, ['queued', 'delivered', 'started']);
    const cancelled = await this.commands.cancelMany(
      rows.filter((r) => r.state !== 'started').map((r) => r.commandId),
      actor,
      { campaignId },
    );
    const told = rows.filter((r) => r.state !== 'queued');
    await Promise.allSettled(
      told.map((r) =>
        this.delivery.deliver(r.agentId, {
          kind: { $case: 'cancel', value: { commandId: r.commandId } },
        }),
      ),
    );
    return { cancelled, stopRequested: told.length };
  }

  /** Canary gate, failure threshold and completion, from the live coverage. */
  async monitor(campaignId: string): Promise<void> {
    const campaign = await this.repo.findById(campaignId);
    if (!campaign) return this.runner.stopMonitor(campaignId);
    if (FINAL_CAMPAIGN_STATUSES.has(campaign.status)) return this.runner.stopMonitor(campaignId);
    if (campaign.status === 'paused') return;
    if (campaign.status === 'canary' && (await this.checkCanary(campaign))) return;
    const coverage = await this.report.progress(campaignId);
    if (campaign.failureThreshold !== null && coverage.failed > campaign.failureThreshold) {
      await this.pause(
        campaign,
        `${coverage.failed} hosts failed, over the failure threshold of ${campaign.failureThreshold}`,
      );
      return;
    }
    if (campaign.status === 'running' && isSettled(coverage)) {
      if (
        await this.repo.update(campaignId, { status: 'completed', finishedAt: new Date() }, [
          'running',
        ])
      ) {
        await this.audit.record({
          actor: 'system',
          action: 'campaign.completed',
          details: { campaignId, coverage },
        });
      }
      await this.runner.stopMonitor(campaignId);
    }
  }

  /** True when the campaign changed state (paused, or released past the canary). */
  private async checkCanary(campaign: CampaignEntity): Promise<boolean> {
    const canaries = await this.repo.canaryRows(campaign.id);
    const failed = canaries.find(
      (c) =>
        c.commandState === 'failed' ||
        c.commandState === 'expired' ||
        c.commandState === 'cancelled' ||
        c.targetState === 'skipped' ||
        c.targetState === 'expired',
    );
    if (failed) {
      const why = failed.message ?? failed.commandState ?? failed.targetState;
      await this.pause(
        campaign,
        `canary host ${failed.hostname ?? failed.hostId} did not succeed (${why})`,
      );
      return true;
    }
    const passed =
      canaries.length > 0 &&
      canaries.every((c) => c.commandState === 'succeeded' || c.commandState === 'verified');
    if (!passed) return true;
    if (
      !(await this.repo.update(campaign.id, { status: 'running', canaryPassedAt: new Date() }, [
        'canary',
      ]))
    )
      return true;
    await this.audit.record({
      actor: 'system',
      action: 'campaign.canary_passed',
      details: { campaignId: campaign.id, canaries: canaries.length },
    });
    await this.runner.dispatchPending({ ...campaign, status: 'running' });
    return true;
  }

  async pause(campaign: CampaignEntity, reason: string): Promise<void> {
    if (
      !(await this.repo.update(
        campaign.id,
        { status: 'paused', statusReason: reason, pausedAt: new Date() },
        ['canary', 'running'],
      ))
    )
      return;
    const held = await takeBack(
      { repo: this.repo, commands: this.commands, delivery: this.delivery },
      campaign.id,
      await this.repo.commandsInStates(campaign.id, ['queued', 'delivered']),
    );
    this.logger.warn({ campaignId: campaign.id, reason, heldHosts: held }, 'campaign paused');
    await this.audit.record({
      actor: 'system',
      action: 'campaign.paused',
      details: { campaignId: campaign.id, reason, heldHosts: held },
    });
  }

  /**
   * At expiresAt: commands not finished expire (never started, or started by an agent that never
   * reported them finished: a restart interrupted them), hosts never dispatched too.
   */
  async expire(campaignId: string): Promise<void> {
    const campaign = await this.repo.findById(campaignId);
    if (!campaign) return;
    const now = new Date();
    const overdue = await this.repo.commandsInStates(
      campaignId,
      ['queued', 'delivered', 'started'],
      {
        expiredAt: now,
      },
    );
    const expired = await this.commands.expireMany(
      overdue.map((r) => r.commandId),
      { campaignId },
    );
    const undispatched = await this.repo.settlePendingTargets(
      campaignId,
      'expired',
      'the campaign expired before this host got its command',
    );
    if (!FINAL_CAMPAIGN_STATUSES.has(campaign.status)) {
      await this.repo.update(campaignId, { status: 'expired', finishedAt: now }, [
        'canary',
        'running',
        'paused',
      ]);
      await this.audit.record({
        actor: 'system',
        action: 'campaign.expired',
        details: { campaignId, expiredCommands: expired, undispatched },
      });
    }
    await this.runner.stopMonitor(campaignId);
  }
}
