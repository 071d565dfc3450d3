import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { toJson } from '../common/json-column';
import { Page } from '../common/pagination.dto';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEventDto, AuditQueryDto, AuditRecord } from './audit.dto';
import { toAuditEventDto } from './audit.mapper';

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
  ) {}

  /** Appends one event; pass the manager of an open transaction to commit it with the change it records. */
  async record(event: AuditRecord, manager?: EntityManager): Promise<void> {
    const repo = manager ? manager.getRepository(AuditEventEntity) : this.events;
    await repo.insert({
      id: randomUUID(),
      at: new Date(),
      actor: event.actor.slice(0, 128),
      action: event.action,
      hostId: event.hostId ?? null,
      details: toJson(event.details ?? {}),
    });
  }

  async query(filter: AuditQueryDto): Promise<Page<AuditEventDto>> {
    const qb = this.events.createQueryBuilder('e');
    if (filter.actor) qb.andWhere('e.actor = :actor', { actor: filter.actor });
    if (filter.action) qb.andWhere('e.action = :action', { action: filter.action });
    if (filter.hostId) qb.andWhere('e.host_id = :hostId', { hostId: filter.hostId });
    if (filter.since)
      qb.andWhere('e.at >= :since', { since: new Date(filter.since).toISOString() });
    if (filter.until) qb.andWhere('e.at < :until', { until: new Date(filter.until).toISOString() });
    const [rows, total] = await qb
      .orderBy('e.at', 'DESC')
      .addOrderBy('e.id', 'ASC')
      .skip((filter.page - 1) * filter.pageSize)
      .take(filter.pageSize)
      .getManyAndCount();
    return {
      items: rows.map(toAuditEventDto),
      total,
      page: filter.page,
      pageSize: filter.pageSize,
    };
  }

  /** Status changes of one host, oldest first. */
  async hostStatusHistory(hostId: string): Promise<AuditEventDto[]> {
    const rows = await this.events.find({
      where: { hostId, action: 'host.status_changed' },
      order: { at: 'ASC', id: 'ASC' },
      take: 500,
    });
    return rows.map(toAuditEventDto);
  }
}
