import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { toJson } from '../common/json-column';
import { loggerFor } from '../common/logger';
import { Page } from '../common/pagination.dto';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { TransactionService } from '../database/transaction.service';
import { kindRefusal } from '../commands/command-kind';
import { COMMAND_KINDS } from '../commands/kinds';
import { CampaignEntity, commandKindOf, FINAL_CAMPAIGN_STATUSES } from './campaign.entity';
import { campaignCommand } from './campaign-command';
import { CampaignReportService } from './campaign-report.service';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import { CampaignRunner } from './campaign-runner.service';
import {
  CampaignDetailDto,
  CampaignDto,
  CampaignQueryDto,
  CampaignSelectorDto,
  CampaignSpec,
  CreateCampaignDto,
} from './campaigns.dto';
import { toCampaignDto } from './campaigns.mapper';
import { CampaignsRepository } from './campaigns.repository';

const MAX_TTL_MS = 30 * 86_400_000;
const MIN_TTL_MS = 60_000;

@Injectable()
export class CampaignsService {
  private readonly logger = loggerFor(CampaignsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: CampaignsRepository,
    private readonly tx: TransactionService,
    private readonly runner: CampaignRunner,
    private readonly lifecycle: CampaignLifecycle,
    private readonly report: CampaignReportService,
    private readonly audit: AuditService,
  ) {}

  /** Stores the campaign and its targets, enqueues the fan-out and returns at once. */
  async create(dto: CreateCampaignDto, actor: string): Promise<CampaignDto> {
    const now = Date.now();
    const expiresAt = dto.expiresAt
      ? new Date(dto.expiresAt)
      : new Date(now + this.config.commandTtlS * 1000);
    if (expiresAt.getTime() - now < MIN_TTL_MS || expiresAt.getTime() - now > MAX_TTL_MS) {
      throw DomainException.invalid('expiresAt must be between one minute and 30 days from now');
    }
    const kind = dto.kind ?? 'scan';
    const spec: CampaignSpec = {
      name: dto.name ?? `${kind} ${new Date(now).toISOString()}`,
      kind,
      selector: dto.selector,
      params: campaignCommand(kind, dto).params,
      expiresAt,
      pacePerSecond: dto.pacePerSecond ?? null,
      canarySize: dto.canarySize ?? 0,
      failureThreshold: dto.failureThreshold ?? null,
      jitterWindowS: null,
      scheduleId: null,
      runKey: null,
    };
    const campaign = await this.createFromSpec(spec, actor);
    if (!campaign)
      throw new DomainException(DomainErrorCode.FailedPrecondition, 'the selector matches no host');
    return campaign;
  }

  /** Also the entry of scheduled runs; null when the selector matches no host. Idempotent per (schedule, run). */
  async createFromSpec(spec: CampaignSpec, actor: string): Promise<CampaignDto | null> {
    checkSelector(spec.selector);
    const commandKind = commandKindOf(spec.kind);
    const refused = kindRefusal(COMMAND_KINDS, commandKind, 'campaigns');
    if (refused) throw DomainException.invalid(refused);
    if (spec.id) {
      const existing = await this.repo.findById(spec.id);
      if (existing) return toCampaignDto(existing);
    }
    if (spec.scheduleId && spec.runKey) {
      const existing = await this.repo.findByRun(spec.scheduleId, spec.runKey);
      if (existing) return toCampaignDto(existing);
    }
    const hostIds = await this.repo.resolveSelector(spec.selector);
    if (hostIds.length === 0) return null;
    const canarySize = Math.min(spec.canarySize, hostIds.length);
    const campaign: CampaignEntity = {
      id: spec.id ?? randomUUID(),
      name: spec.name,
      kind: spec.kind,
      status: canarySize > 0 ? 'canary' : 'running',
      statusReason: null,
      selector: toJson(spec.selector),
      commandKind,
      params: toJson(spec.params),
      pacePerSecond: spec.pacePerSecond,
      canarySize,
      failureThreshold: spec.failureThreshold,
      jitterWindowS: spec.jitterWindowS,
      targetCount: hostIds.length,
      resumeCount: 0,
      scheduleId: spec.scheduleId,
      runKey: spec.runKey,
      createdBy: actor,
      createdAt: new Date(),
      expiresAt: spec.expiresAt,
      canaryPassedAt: null,
      pausedAt: null,
      finishedAt: null,
    };
    await this.tx.run(async () => {
      await this.repo.insertWithTargets(campaign, hostIds);
      await this.audit.record({
        actor,
        action: 'campaign.created',
        details: {
          campaignId: campaign.id,
          targets: hostIds.length,
          selector: spec.selector,
          kind: spec.kind,
          canarySize,
          scheduleId: spec.scheduleId,
        },
      });
    });
    try {
      await this.runner.start(campaign);
    } catch (error) {
      // The rows exist; without the queue nothing would move. Say so instead of looking "running".
      const reason = `the job queue refused the fan-out: ${error instanceof Error ? error.message : String(error)}`;
      await this.lifecycle.pause(campaign, reason);
      this.logger.error(
        { campaignId: campaign.id, err: reason },
        'campaign fan-out failed; paused',
      );
      return toCampaignDto({ ...campaign, status: 'paused', statusReason: reason });
    }
    return toCampaignDto(campaign);
  }

  /** The campaign a schedule's run already created, if any. */
  async findRun(scheduleId: string, runKey: string): Promise<CampaignDto | null> {
    const existing = await this.repo.findByRun(scheduleId, runKey);
    return existing ? toCampaignDto(existing) : null;
  }

  async list(query: CampaignQueryDto): Promise<Page<CampaignDto>> {
    const [rows, total] = await this.repo.list(query);
    return { items: rows.map(toCampaignDto), total, page: query.page, pageSize: query.pageSize };
  }

  async get(id: string): Promise<CampaignDetailDto> {
    const campaign = await this.require(id);
    const [coverage, findings] = [await this.report.coverage(id), await this.report.findings(id)];
    return { ...toCampaignDto(campaign), coverage, findings };
  }

  /** Stops the campaign: queued/delivered commands cancelled, running ones told to stop. */
  async cancel(id: string, actor: string): Promise<CampaignDetailDto> {
    const campaign = await this.require(id);
    if (FINAL_CAMPAIGN_STATUSES.has(campaign.status))
      throw new DomainException(
        DomainErrorCode.FailedPrecondition,
        `campaign ${id} is already ${campaign.status}`,
      );
    if (
      !(await this.repo.update(
        id,
        { status: 'cancelled', finishedAt: new Date(), statusReason: `cancelled by ${actor}` },
        ['canary', 'running', 'paused'],
      ))
    ) {
      throw new DomainException(
        DomainErrorCode.Conflict,
        `campaign ${id} changed state meanwhile; retry`,
      );
    }
    const undispatched = await this.repo.settlePendingTargets(
      id,
      'cancelled',
      'the campaign was cancelled before this host got its command',
    );
    const { cancelled, stopRequested } = await this.lifecycle.cancelCommands(id, actor);
    await this.audit.record({
      actor,
      action: 'campaign.cancelled',
      details: { campaignId: id, cancelledCommands: cancelled, stopRequested, undispatched },
    });
    await this.runner
      .stopMonitor(id)
      .catch((error: Error) =>
        this.logger.warn(
          { campaignId: id, err: error.message },
          'could not remove the monitor (it stops by itself)',
        ),
      );
    return this.get(id);
  }

  /**
   * A paused campaign goes on: hosts not dispatched yet, and those whose commands the pause took
   * back, are enqueued again (new deterministic ids). The failures so far are accepted: with a
   * failure threshold T, the campaign pauses again when T more hosts fail.
   */
  async resume(id: string, actor: string): Promise<CampaignDetailDto> {
    const campaign = await this.require(id);
    if (campaign.status !== 'paused')
      throw new DomainException(
        DomainErrorCode.FailedPrecondition,
        `campaign ${id} is ${campaign.status}, not paused`,
      );
    const failureThreshold =
      campaign.failureThreshold === null
        ? null
        : (await this.report.progress(id)).failed + campaign.failureThreshold;
    const resumed: CampaignEntity = {
      ...campaign,
      status: 'running',
      statusReason: null,
      pausedAt: null,
      resumeCount: campaign.resumeCount + 1,
      canaryPassedAt: campaign.canaryPassedAt ?? new Date(),
      failureThreshold,
    };
    if (
      !(await this.repo.update(
        id,
        {
          status: resumed.status,
          statusReason: null,
          pausedAt: null,
          resumeCount: resumed.resumeCount,
          canaryPassedAt: resumed.canaryPassedAt,
          failureThreshold,
        },
        ['paused'],
      ))
    ) {
      throw new DomainException(
        DomainErrorCode.Conflict,
        `campaign ${id} changed state meanwhile; retry`,
      );
    }
    await this.audit.record({
      actor,
      action: 'campaign.resumed',
      details: { campaignId: id, pausedFor: campaign.statusReason, failureThreshold },
    });
    await this.runner.startMonitor(id);
    await this.runner.requestFanout(resumed);
    return this.get(id);
  }

  private async require(id: string): Promise<CampaignEntity> {
    const campaign = await this.repo.findById(id);
    if (!campaign) throw DomainException.notFound('campaign', id);
    return campaign;
  }
}

function checkSelector(selector: CampaignSelectorDto): void {
  const criteria = [
    selector.all === true,
    Boolean(selector.tags?.length),
    Boolean(selector.hostIds?.length),
    Boolean(selector.statuses?.length),
  ];
  if (!criteria.some(Boolean))
    throw DomainException.invalid(
      'selector needs at least one of all: true, tags, hostIds, statuses',
    );
}
