import { timeOrderedUuid } from '../common/time-ordered-id';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { toJson } from '../common/json-column';
import { tableRows } from '../database/table-rows';
import { TransactionService } from '../database/transaction.service';
import { Page } from '../common/pagination.dto';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEventDto, AuditQueryDto, AuditRecord } from './audit.dto';
import { toAuditEventDto } from './audit.mapper';

/** audit_events as events are appended (id and time taken when the row is built). */
const AUDIT_ROWS = tableRows<AuditRecord>('audit_events', [
  ['id', () => timeOrderedUuid()],
  ['at', () => new Date().toISOString()],
  ['actor', (e) => e.actor.slice(0, 128)],
  ['action', (e) => e.action],
  ['host_id', (e) => e.hostId ?? null],
  ['details', (e) => toJson(e.details ?? {})],
]);
/** Events written per multi-row INSERT when many arrive at once (10,000 agents reporting). */
const MAX_BATCH = 500;

interface Waiting {
  event: AuditRecord;
  done: (error?: unknown) => void;
}

@Injectable()
export class AuditService {
  private waiting: Waiting[] = [];
  private flushing = false;

  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
    private readonly tx: TransactionService,
  ) {}

  /**
   * Appends one event. In a unit of work (TransactionService.run) it is written in that
   * transaction, so it commits or rolls back with the change it records. Outside one, events
   * recorded in the same turn of the event loop are written by one multi-row INSERT (measured:
   * one INSERT per event was a tenth of the controller's time in a 10,000-host campaign); the
   * promise settles once the event's row is written.
   */
  async record(event: AuditRecord): Promise<void> {
    if (this.tx.inTransaction) return AUDIT_ROWS.insert(this.tx.manager, [event]);
    return new Promise((resolve, reject) => {
      this.waiting.push({
        event,
        done: (error) =>
          error
            ? reject(error instanceof Error ? error : new Error('audit write failed'))
            : resolve(),
      });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Appends events (multi-row INSERTs), in the unit of work running now if there is one. */
  async recordMany(events: readonly AuditRecord[]): Promise<void> {
    if (events.length > 0) await AUDIT_ROWS.insert(this.tx.manager, events);
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      try {
        await AUDIT_ROWS.insert(
          this.events.manager,
          batch.map((w) => w.event),
        );
        for (const w of batch) w.done();
      } catch (error) {
        for (const w of batch) w.done(error);
      }
    }
    this.flushing = false;
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
  /** Every event of one host, oldest first (at most `limit`, the newest kept). */
  async hostEvents(hostId: string, limit = 2000): Promise<AuditEventDto[]> {
    const rows = await this.events.find({
      where: { hostId },
      order: { at: 'DESC', id: 'DESC' },
      take: limit,
    });
    return rows.reverse().map(toAuditEventDto);
  }

  async hostStatusHistory(hostId: string): Promise<AuditEventDto[]> {
    const rows = await this.events.find({
      where: { hostId, action: 'host.status_changed' },
      order: { at: 'ASC', id: 'ASC' },
      take: 500,
    });
    return rows.map(toAuditEventDto);
  }
}
