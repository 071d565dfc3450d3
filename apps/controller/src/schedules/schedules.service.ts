import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { campaignCommand } from '../campaigns/campaign-command';
import { CampaignsService } from '../campaigns/campaigns.service';
import { kindRefusal } from '../commands/command-kind';
import { COMMAND_KINDS } from '../commands/kinds';
import { DomainException } from '../common/domain.exception';
import { parseJsonObject, toJson } from '../common/json-column';
import { loggerFor } from '../common/logger';
import { JobName, jobId } from '../queues/queue-names';
import { QueuesService } from '../queues/queues.service';
import { SchedulerReconciler } from '../queues/scheduler-reconciler.service';
import type { RunScheduleJobData } from './run-schedule.job';
import { ScheduleEntity } from './schedule.entity';
import { CreateScheduleDto, ScheduleDto } from './schedules.dto';
import { toScheduleDto } from './schedules.mapper';
import { scheduleTimingProblem } from './schedule-interval';

const DEFAULT_JITTER_S = 900;
const DEFAULT_CAMPAIGN_TTL_S = 86_400;
const MAX_SCHEDULES_LISTED = 500;
/** Schedules read per statement while reconciling their job schedulers. */
const RECONCILE_PAGE = 500;
const schedulerId = (id: string): string => jobId('schedule', id);

/**
 * Scheduled rescans: a BullMQ job scheduler per schedule; each run creates a jittered campaign.
 * The rows are the truth: the schedulers are rebuilt from them at start and after Redis lost
 * them (SchedulerReconciler).
 */
@Injectable()
export class SchedulesService implements OnModuleInit {
  private readonly logger = loggerFor(SchedulesService.name);

  constructor(
    @InjectRepository(ScheduleEntity) private readonly schedules: Repository<ScheduleEntity>,
    private readonly queues: QueuesService,
    private readonly campaigns: CampaignsService,
    private readonly audit: AuditService,
    private readonly reconciler: SchedulerReconciler,
  ) {}

  onModuleInit(): void {
    this.reconciler.register({ name: 'schedules', reconcile: () => this.reconcile() });
  }

  async create(dto: CreateScheduleDto, actor: string): Promise<ScheduleDto> {
    if (Boolean(dto.cron) === Boolean(dto.everySeconds))
      throw DomainException.invalid('give exactly one of cron and everySeconds');
    const timing = scheduleTimingProblem(dto);
    if (timing) throw DomainException.invalid(timing);
    if (!(
      dto.selector.all ||
      dto.selector.tags?.length ||
      dto.selector.hostIds?.length ||
      dto.selector.statuses?.length
    )) {
      throw DomainException.invalid(
        'selector needs at least one of all: true, tags, hostIds, statuses',
      );
    }
    const kind = dto.kind ?? 'scan';
    const { params } = campaignCommand(kind, dto);
    const jitter = dto.jitterWindowSeconds ?? DEFAULT_JITTER_S;
    const ttl = dto.campaignTtlSeconds ?? DEFAULT_CAMPAIGN_TTL_S;
    if (jitter >= ttl - 60)
      throw DomainException.invalid(
        'jitterWindowSeconds must end at least a minute before campaignTtlSeconds',
      );
    const entity: ScheduleEntity = {
      id: randomUUID(),
      name:
        dto.name ?? (dto.cron ? `${kind} at "${dto.cron}"` : `${kind} every ${dto.everySeconds} s`),
      cron: dto.cron ?? null,
      everyS: dto.everySeconds ?? null,
      timezone: dto.timezone ?? null,
      selector: toJson(dto.selector),
      commandKind: kind,
      params: toJson(params),
      jitterWindowS: jitter,
      campaignTtlS: ttl,
      failureThreshold: dto.failureThreshold ?? null,
      runCount: 0,
      lastCampaignId: null,
      lastRunAt: null,
      pausedReason: null,
      createdBy: actor,
      createdAt: new Date(),
    };
    await this.schedules.insert(entity);
    try {
      await this.upsertScheduler(entity);
    } catch (error) {
      await this.schedules.delete({ id: entity.id });
      throw DomainException.invalid(
        `the schedule was refused: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    await this.audit.record({
      actor,
      action: 'schedule.created',
      details: {
        scheduleId: entity.id,
        cron: entity.cron,
        everySeconds: entity.everyS,
        selector: dto.selector,
        kind,
      },
    });
    return this.toDto(entity);
  }

  async list(): Promise<ScheduleDto[]> {
    const rows = await this.schedules.find({
      order: { createdAt: 'DESC' },
      take: MAX_SCHEDULES_LISTED,
    });
    return Promise.all(rows.map((r) => this.toDto(r)));
  }

  async get(id: string): Promise<ScheduleDto> {
    return this.toDto(await this.require(id));
  }

  async remove(id: string, actor: string): Promise<void> {
    const entity = await this.require(id);
    await this.queues.removeScheduler(JobName.ScheduleRun, schedulerId(id));
    await this.schedules.delete({ id });
    await this.audit.record({
      actor,
      action: 'schedule.deleted',
      details: { scheduleId: id, name: entity.name },
    });
  }

  /** Runs the schedule now, besides its plan (same campaign shape, its own run key). */
  async runNow(id: string, actor: string): Promise<void> {
    await this.require(id);
    const runKey = `manual-${Date.now()}`;
    const data: RunScheduleJobData = { scheduleId: id, runKey };
    await this.queues.add(JobName.ScheduleRun, data, { jobId: jobId('schedule', id, runKey) });
    await this.audit.record({
      actor,
      action: 'schedule.run_requested',
      details: { scheduleId: id, runKey },
    });
  }

  /** One run: a campaign whose hosts start spread over the jitter window; a retried run reuses it. */
  async run(scheduleId: string, runKey: string): Promise<void> {
    const schedule = await this.schedules.findOneBy({ id: scheduleId });
    if (!schedule) {
      this.logger.warn({ scheduleId }, 'a run of a deleted schedule was skipped');
      return;
    }
    const manual = runKey.startsWith('manual-');
    const problem = manual
      ? null
      : scheduleTimingProblem({
          cron: schedule.cron,
          everySeconds: schedule.everyS,
          timezone: schedule.timezone,
        });
    // A scheduler left in Redis by a schedule stored before the rule (or by an older process).
    if (problem) return this.pause(schedule, problem);
    // A kind that no longer allows schedules (or that this controller does not know).
    const refused = kindRefusal(COMMAND_KINDS, schedule.commandKind, 'schedules');
    if (refused) return this.pause(schedule, refused);
    if (schedule.pausedReason && !manual) {
      this.logger.warn(
        { scheduleId, runKey, reason: schedule.pausedReason },
        'a run of a paused schedule was skipped',
      );
      return;
    }
    if (await this.campaigns.findRun(scheduleId, runKey)) return;
    const campaign = await this.campaigns.createFromSpec(
      {
        name: `${schedule.name} (${runKey})`,
        kind: schedule.commandKind,
        selector: parseJsonObject(schedule.selector),
        params: parseJsonObject(schedule.params),
        expiresAt: new Date(Date.now() + schedule.campaignTtlS * 1000),
        pacePerSecond: null,
        canarySize: 0,
        failureThreshold: schedule.failureThreshold,
        jitterWindowS: schedule.jitterWindowS,
        scheduleId,
        runKey,
      },
      `schedule:${scheduleId}`,
    );
    if (!campaign)
      this.logger.info({ scheduleId, runKey }, 'scheduled run matched no host; no campaign');
    await this.schedules.update(
      { id: scheduleId },
      {
        runCount: schedule.runCount + 1,
        lastRunAt: new Date(),
        lastCampaignId: campaign?.id ?? schedule.lastCampaignId,
      },
    );
  }

  /**
   * Every schedule gets its job scheduler back if Redis lost it, and one that fires faster than
   * the minimum (stored before the rule covered six-field crons) is paused with an audit entry
   * instead. Schedulers that exist are left alone: re-creating one would move its next run.
   */
  async reconcile(): Promise<void> {
    let restored = 0;
    for (let page = 0; ; page++) {
      const rows = await this.schedules.find({
        order: { id: 'ASC' },
        skip: page * RECONCILE_PAGE,
        take: RECONCILE_PAGE,
      });
      for (const entity of rows) if (await this.reconcileOne(entity)) restored++;
      if (rows.length < RECONCILE_PAGE) break;
    }
    if (restored > 0) this.logger.warn({ restored }, 'restored the job schedulers of schedules');
  }

  /** True when it created the schedule's job scheduler. */
  private async reconcileOne(entity: ScheduleEntity): Promise<boolean> {
    const id = schedulerId(entity.id);
    const exists = await this.queues.hasScheduler(JobName.ScheduleRun, id);
    if (entity.pausedReason) {
      if (exists) await this.queues.removeScheduler(JobName.ScheduleRun, id);
      return false;
    }
    const problem = scheduleTimingProblem({
      cron: entity.cron,
      everySeconds: entity.everyS,
      timezone: entity.timezone,
    });
    if (problem) {
      await this.pause(entity, problem);
      return false;
    }
    if (exists) return false;
    await this.upsertScheduler(entity);
    return true;
  }

  private async pause(entity: ScheduleEntity, problem: string): Promise<void> {
    const reason = `paused by the controller: ${problem}`;
    await this.queues.removeScheduler(JobName.ScheduleRun, schedulerId(entity.id));
    const { affected } = await this.schedules.update(
      { id: entity.id, pausedReason: IsNull() },
      { pausedReason: reason },
    );
    if (!affected) return;
    this.logger.warn({ scheduleId: entity.id, reason }, 'schedule paused');
    await this.audit.record({
      actor: 'system',
      action: 'schedule.paused',
      details: { scheduleId: entity.id, name: entity.name, cron: entity.cron, reason },
    });
  }

  private upsertScheduler(entity: ScheduleEntity): Promise<void> {
    const data: RunScheduleJobData = { scheduleId: entity.id };
    const everyMs = (entity.everyS ?? 0) * 1000;
    // An interval schedule's next run is one interval after its last (or its creation): BullMQ
    // would run it at once. One that missed its time while Redis was away runs now.
    const since = (entity.lastRunAt ?? entity.createdAt).getTime();
    const repeat = entity.cron
      ? { pattern: entity.cron, ...(entity.timezone ? { tz: entity.timezone } : {}) }
      : { every: everyMs, startDate: new Date(Math.max(Date.now(), since + everyMs)) };
    return this.queues.upsertScheduler(schedulerId(entity.id), repeat, JobName.ScheduleRun, data);
  }

  private async toDto(entity: ScheduleEntity): Promise<ScheduleDto> {
    const scheduler = await this.queues
      .queue(this.queues.queueOf(JobName.ScheduleRun))
      .getJobScheduler(schedulerId(entity.id))
      .catch(() => undefined);
    return toScheduleDto(entity, scheduler?.next ? new Date(scheduler.next) : null);
  }

  private async require(id: string): Promise<ScheduleEntity> {
    const entity = await this.schedules.findOneBy({ id });
    if (!entity) throw DomainException.notFound('schedule', id);
    return entity;
  }
}
