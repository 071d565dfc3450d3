import { Injectable, OnModuleInit } from '@nestjs/common';
import { CommandDelivery } from '../cluster/command-delivery.service';
import { CommandEntity } from '../commands/command.entity';
import { CommandsService } from '../commands/commands.service';
import { storedRequest } from '../commands/kinds';
import { TransactionService } from '../database/transaction.service';
import { MicroBatcher, Settled } from '../common/micro-batcher';
import { deterministicUuid } from '../common/deterministic-id';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { parseJsonObject } from '../common/json-column';
import { loggerFor } from '../common/logger';
import { JobName, jobId } from '../queues/queue-names';
import { QueuesService } from '../queues/queues.service';
import { SchedulerReconciler } from '../queues/scheduler-reconciler.service';
import { CampaignEntity, FINAL_CAMPAIGN_STATUSES } from './campaign.entity';
import { dispatchFlows } from './campaign-fanout';
import { takeBack } from './campaign-take-back';
import { CampaignsRepository } from './campaigns.repository';
import type { CampaignExpireJobData } from './jobs/campaign-expire.job';
import type { CampaignFanoutJobData } from './jobs/campaign-fanout.job';
import type { CampaignMonitorJobData } from './jobs/campaign-monitor.job';

/** The creator tag of a campaign's commands (commands.created_by). */
export const campaignActor = (campaignId: string): string => `campaign:${campaignId}`;
/**
 * The id of the one command a campaign creates for a host in one attempt: attempt 0 is the
 * start, each resume is the next (a command a pause took back is sent again under a new id).
 */
export const campaignCommandId = (campaignId: string, hostId: string, attempt = 0): string =>
  attempt === 0
    ? deterministicUuid('campaign', campaignId, 'host', hostId)
    : deterministicUuid('campaign', campaignId, 'host', hostId, 'attempt', attempt);
const MIN_COMMAND_TTL_S = 60;

interface HostDispatch {
  campaignId: string;
  hostId: string;
  /** The dispatch job's id, kept on the target it claims. */
  claimer: string;
}

const monitorSchedulerId = (campaignId: string): string => jobId('campaign', campaignId, 'monitor');
/** Live campaigns read per statement while reconciling their jobs. */
const RECONCILE_PAGE = 500;

/**
 * Dispatches a campaign through BullMQ: its jobs (expiry, monitor, fan-out), the hosts still
 * waiting, and their commands. What happens after dispatch is CampaignLifecycle's.
 */
@Injectable()
export class CampaignRunner implements OnModuleInit {
  private readonly logger = loggerFor(CampaignRunner.name);
  /** Host dispatches per transaction: as many as the queue runs at once (QueueSettings.batchSize). */
  private readonly dispatcher: MicroBatcher<HostDispatch, void>;

  constructor(
    private readonly repo: CampaignsRepository,
    private readonly queues: QueuesService,
    private readonly commands: CommandsService,
    private readonly delivery: CommandDelivery,
    private readonly tx: TransactionService,
    private readonly reconciler: SchedulerReconciler,
  ) {
    this.dispatcher = new MicroBatcher(
      (items) => this.dispatchBatch(items),
      queues.settings.batchSize,
    );
  }

  onModuleInit(): void {
    this.reconciler.register({ name: 'campaigns', reconcile: () => this.reconcile() });
  }

  /** Enqueues everything a new campaign needs; every id is deterministic. */
  async start(campaign: CampaignEntity): Promise<void> {
    await this.scheduleExpiry(campaign);
    await this.startMonitor(campaign.id);
    await this.requestFanout(campaign);
  }

  /** The delayed expiry job (a no-op when it is still there: its id is the campaign's). */
  private async scheduleExpiry(campaign: CampaignEntity): Promise<void> {
    const expireData: CampaignExpireJobData = { campaignId: campaign.id };
    await this.queues.add(JobName.CampaignExpire, expireData, {
      jobId: jobId('campaign', campaign.id, 'expire'),
      delay: Math.max(0, campaign.expiresAt.getTime() - Date.now()),
    });
  }

  /**
   * After Redis lost its keys (and at each start): every live campaign gets its expiry job back,
   * and one whose monitor scheduler is gone (a live campaign always has one) gets it back with a
   * fan-out of the hosts still waiting, whose dispatch jobs went with it.
   */
  async reconcile(): Promise<void> {
    let afterId = '';
    for (;;) {
      const page = await this.repo.liveAfter(afterId, RECONCILE_PAGE);
      for (const campaign of page) await this.reconcileOne(campaign);
      if (page.length < RECONCILE_PAGE) return;
      afterId = page[page.length - 1].id;
    }
  }

  private async reconcileOne(campaign: CampaignEntity): Promise<void> {
    await this.scheduleExpiry(campaign);
    if (campaign.status === 'paused') return;
    if (await this.queues.hasScheduler(JobName.CampaignMonitor, monitorSchedulerId(campaign.id)))
      return;
    this.logger.warn({ campaignId: campaign.id }, 'restoring the jobs of a live campaign');
    await this.startMonitor(campaign.id);
    const data: CampaignFanoutJobData = { campaignId: campaign.id };
    await this.queues.add(JobName.CampaignFanout, data, {
      jobId: jobId('campaign', campaign.id, 'fanout', campaign.resumeCount, 'restore', Date.now()),
    });
  }

  /** The campaign's host jobs are added by a job (campaign.fanout), once per start or resume. */
  async requestFanout(campaign: CampaignEntity): Promise<void> {
    const data: CampaignFanoutJobData = { campaignId: campaign.id };
    await this.queues.add(JobName.CampaignFanout, data, {
      jobId: jobId('campaign', campaign.id, 'fanout', campaign.resumeCount),
    });
  }

  /** The campaign.fanout job: the hosts still waiting get their jobs, unless it ended or paused. */
  async fanout(campaignId: string): Promise<void> {
    const campaign = await this.repo.findById(campaignId);
    if (!campaign || campaign.status === 'paused' || FINAL_CAMPAIGN_STATUSES.has(campaign.status))
      return;
    await this.dispatchPending(campaign);
  }

  async startMonitor(campaignId: string): Promise<void> {
    const data: CampaignMonitorJobData = { campaignId };
    await this.queues.upsertScheduler(
      monitorSchedulerId(campaignId),
      { every: this.queues.settings.monitorEveryMs },
      JobName.CampaignMonitor,
      data,
    );
  }

  async stopMonitor(campaignId: string): Promise<void> {
    await this.queues.removeScheduler(JobName.CampaignMonitor, monitorSchedulerId(campaignId));
  }

  /** The hosts still waiting: the canaries alone while the canary gate is closed, else all. */
  async dispatchPending(campaign: CampaignEntity): Promise<void> {
    const canaryPhase = campaign.status === 'canary';
    const pending = await this.repo.pendingTargets(campaign.id, canaryPhase ? true : undefined);
    if (pending.length === 0) return;
    const flows = dispatchFlows({
      campaignId: campaign.id,
      phase: canaryPhase ? 'canary' : 'main',
      attempt: campaign.resumeCount,
      hostIds: pending.map((p) => p.hostId),
      pacePerSecond: campaign.pacePerSecond,
      jitter:
        campaign.jitterWindowS && campaign.runKey
          ? { runKey: campaign.runKey, windowS: campaign.jitterWindowS }
          : null,
    });
    for (const flow of flows) {
      await this.queues.addFlow(flow);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Row first (the core's CommandsService), then the push once the row is committed; a retried
   * job creates nothing twice. The dispatch jobs running at once share one transaction: the
   * claims, the commands and the targets' links of all their hosts take a few statements.
   */
  dispatchHost(campaignId: string, hostId: string, claimer: string): Promise<void> {
    return this.dispatcher.submit({ campaignId, hostId, claimer });
  }

  private async dispatchBatch(items: HostDispatch[]): Promise<Array<Settled<void>>> {
    const outcomes = new Map<HostDispatch, Settled<void>>();
    const byCampaign = new Map<string, HostDispatch[]>();
    for (const item of items) {
      outcomes.set(item, { ok: true, value: undefined });
      byCampaign.set(item.campaignId, [...(byCampaign.get(item.campaignId) ?? []), item]);
    }
    const perCampaign = new Map<string, { push: CommandEntity[]; cancel: string[] }>();
    await this.tx.run(async () => {
      for (const [campaignId, batch] of byCampaign)
        perCampaign.set(campaignId, await this.createHostCommands(campaignId, batch, outcomes));
    });
    for (const [campaignId, { push, cancel }] of perCampaign) {
      // After the commit: a campaign cancelled or expired meanwhile gets these commands
      // cancelled; one paused meanwhile takes them back (its pause may have looked before they
      // were committed).
      const now = await this.repo.findById(campaignId);
      const ended = now?.status === 'cancelled' || now?.status === 'expired';
      const cancelIds = ended ? [...cancel, ...push.map((c) => c.id)] : cancel;
      if (cancelIds.length > 0)
        await this.commands.cancelMany(cancelIds, now?.createdBy ?? 'system', { campaignId });
      if (now?.status === 'paused')
        await takeBack(
          { repo: this.repo, commands: this.commands, delivery: this.delivery },
          campaignId,
          push.map((c) => ({
            commandId: c.id,
            hostId: c.hostId,
            agentId: c.agentId,
            state: c.state,
          })),
        );
      else if (!ended) for (const entity of push) void this.commands.push(entity);
    }
    return items.map((item) => outcomes.get(item)!);
  }

  /** One campaign's part of a dispatch batch, in its transaction. */
  private async createHostCommands(
    campaignId: string,
    batch: HostDispatch[],
    outcomes: Map<HostDispatch, Settled<void>>,
  ): Promise<{ push: CommandEntity[]; cancel: string[] }> {
    const none = { push: [], cancel: [] };
    const campaign = await this.repo.findInUnit(campaignId);
    if (!campaign || campaign.status === 'paused' || FINAL_CAMPAIGN_STATUSES.has(campaign.status))
      return none;
    const claimed = await this.repo.claimTargets(campaignId, batch);
    const hostIds = batch.map((b) => b.hostId).filter((id) => claimed.has(id));
    if (hostIds.length === 0) return none;
    const ttlS = Math.ceil((campaign.expiresAt.getTime() - Date.now()) / 1000);
    if (ttlS < MIN_COMMAND_TTL_S) {
      await this.repo.settleTargets(
        campaignId,
        hostIds,
        'expired',
        'the campaign expires before a command could run',
      );
      return none;
    }
    // Read once per batch: the kind's parameters are the campaign's, the same for every host.
    const request = storedRequest(campaign.commandKind, parseJsonObject(campaign.params));
    if (!request) {
      await this.repo.settleTargets(
        campaignId,
        hostIds,
        'skipped',
        `this controller knows no command kind ${campaign.commandKind}`,
      );
      return none;
    }
    // One id per (campaign, host): a retried job (its first attempt crashed after creating the
    // command) gets that command back instead of a second one.
    const created = await this.commands.createRows(
      hostIds.map((hostId) => ({
        hostId,
        commandId: campaignCommandId(campaignId, hostId, campaign.resumeCount),
      })),
      request,
      campaignActor(campaignId),
      { expiresInSeconds: ttlS },
    );
    const links: Array<{ hostId: string; commandId: string; agentId: string }> = [];
    const entities = new Map<string, CommandEntity>();
    for (let i = 0; i < hostIds.length; i++) {
      const hostId = hostIds[i];
      const outcome = created[i];
      if (outcome.ok) {
        links.push({ hostId, commandId: outcome.value.dto.id, agentId: outcome.value.dto.agentId });
        if (outcome.value.entity) entities.set(hostId, outcome.value.entity);
        continue;
      }
      const error = outcome.error;
      if (
        error instanceof DomainException &&
        (error.code === DomainErrorCode.FailedPrecondition ||
          error.code === DomainErrorCode.NotFound)
      ) {
        await this.repo.settleTargets(campaignId, [hostId], 'skipped', error.message);
      } else {
        for (const b of batch) if (b.hostId === hostId) outcomes.set(b, { ok: false, error });
      }
    }
    const linked = await this.repo.linkTargets(campaignId, links, new Date());
    const push: CommandEntity[] = [];
    const cancel: string[] = [];
    for (const link of links) {
      const entity = entities.get(link.hostId);
      // Cancelled (or expired) while its command was being created: cancel the command too.
      if (!linked.has(link.hostId)) cancel.push(link.commandId);
      else if (entity) push.push(entity);
    }
    return { push, cancel };
  }
}
