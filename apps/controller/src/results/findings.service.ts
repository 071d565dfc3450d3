import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { escapeLike, jsonElementPattern } from '../common/json-column';
import { Page } from '../common/pagination.dto';
import { HostEntity } from '../hosts/host.entity';
import { FindingEntity } from './finding.entity';
import { FindingDto, FindingFilterDto, FindingQueryDto, HostInventory } from './findings.dto';
import { csvHeader, toCsvRow, toFindingDto, toScanErrorDto, toScanRunDto } from './findings.mapper';
import { ScanErrorEntity } from './scan-error.entity';
import { ScanRunEntity } from './scan-run.entity';

const EXPORT_PAGE = 1000;
const EXPORT_MAX_ROWS = 200_000;
const INVENTORY_MAX_ROWS = 5000;

type FindingRow = { finding: FindingEntity; hostname: string };

/** Reads the fleet's current inventory: each host's findings from its latest completed scan. */
@Injectable()
export class FindingsService {
  constructor(
    @InjectRepository(FindingEntity) private readonly findings: Repository<FindingEntity>,
    @InjectRepository(ScanErrorEntity) private readonly errors: Repository<ScanErrorEntity>,
    @InjectRepository(ScanRunEntity) private readonly runs: Repository<ScanRunEntity>,
  ) {}

  async search(query: FindingQueryDto): Promise<Page<FindingDto>> {
    const qb = this.filtered(query);
    const total = await qb.getCount();
    const rows = await this.page(qb, (query.page - 1) * query.pageSize, query.pageSize);
    return {
      items: rows.map((r) => toFindingDto(r.finding, r.hostname)),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  /** Streams the export page by page so a large fleet never sits in memory as one array. */
  async *export(filter: FindingFilterDto, format: 'csv' | 'json'): AsyncGenerator<string> {
    yield format === 'csv' ? csvHeader() : '[';
    let first = true;
    for (let offset = 0; offset < EXPORT_MAX_ROWS; offset += EXPORT_PAGE) {
      const rows = await this.page(this.filtered(filter), offset, EXPORT_PAGE);
      for (const row of rows) {
        const dto = toFindingDto(row.finding, row.hostname);
        yield format === 'csv' ? toCsvRow(dto) : `${first ? '' : ','}\n${JSON.stringify(dto)}`;
        first = false;
      }
      if (rows.length < EXPORT_PAGE) break;
    }
    if (format === 'json') yield '\n]\n';
  }

  async inventoryOf(host: {
    id: string;
    hostname: string;
    lastScanRunId: string | null;
  }): Promise<HostInventory> {
    if (!host.lastScanRunId) return { scanRun: null, findings: [], errors: [] };
    const scanRunId = host.lastScanRunId;
    const [run, findings, errors] = await Promise.all([
      this.runs.findOneBy({ id: scanRunId }),
      this.findings.find({
        where: { scanRunId },
        order: { path: 'ASC' },
        take: INVENTORY_MAX_ROWS,
      }),
      this.errors.find({ where: { scanRunId }, order: { path: 'ASC' }, take: INVENTORY_MAX_ROWS }),
    ]);
    return {
      scanRun: run ? toScanRunDto(run) : null,
      findings: findings.map((f) => toFindingDto(f, host.hostname)),
      errors: errors.map(toScanErrorDto),
    };
  }

  private filtered(filter: FindingFilterDto): SelectQueryBuilder<FindingEntity> {
    const qb = this.findings
      .createQueryBuilder('f')
      .innerJoin(HostEntity, 'h', 'h.last_scan_run_id = f.scan_run_id')
      .addSelect('h.hostname', 'hostname');
    if (filter.cve)
      qb.andWhere(`f.cves LIKE :cve ESCAPE '\\'`, { cve: jsonElementPattern(filter.cve) });
    if (filter.status) qb.andWhere('f.status = :status', { status: filter.status });
    if (filter.product) qb.andWhere('f.product = :product', { product: filter.product });
    if (filter.version) qb.andWhere('f.version = :version', { version: filter.version });
    if (filter.hostId) qb.andWhere('f.host_id = :hostId', { hostId: filter.hostId });
    if (filter.pathContains)
      qb.andWhere(`LOWER(f.path) LIKE :path ESCAPE '\\'`, {
        path: `%${escapeLike(filter.pathContains.toLowerCase())}%`,
      });
    return qb;
  }

  private async page(
    qb: SelectQueryBuilder<FindingEntity>,
    offset: number,
    limit: number,
  ): Promise<FindingRow[]> {
    const { entities, raw } = await qb
      .orderBy('h.hostname', 'ASC')
      .addOrderBy('f.path', 'ASC')
      .addOrderBy('f.id', 'ASC')
      .offset(offset)
      .limit(limit)
      .getRawAndEntities<{ hostname: string }>();
    return entities.map((finding, i) => ({ finding, hostname: raw[i].hostname }));
  }
}
