import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository, SelectQueryBuilder } from 'typeorm';
import { DomainException } from '../common/domain.exception';
import { escapeLike, jsonElementPattern } from '../common/json-column';
import { Page } from '../common/pagination.dto';
import { HostEntity } from '../hosts/host.entity';
import { FindingEntity } from './finding.entity';
import {
  EXPORT_LIMIT_MAX,
  FindingDto,
  FindingFilterDto,
  FindingQueryDto,
  HostInventory,
} from './findings.dto';
import { csvHeader, toCsvRow, toFindingDto, toScanErrorDto, toScanRunDto } from './findings.mapper';
import { ScanErrorEntity } from './scan-error.entity';
import { ScanRunEntity } from './scan-run.entity';
import { VULNERABLE_PRODUCT } from '../scan/scan-rows';
import type { RemediationTargets } from '../verification/remediation-proof';

const EXPORT_BATCH = 1000;

/** The file on disk of a display path (archive entries follow "!/"). */
const onDisk = (path: string): string => path.split('!/')[0];
/** The most rows one export gives; more matching rows are reported as truncated. */
const EXPORT_MAX_ROWS = EXPORT_LIMIT_MAX;
const INVENTORY_MAX_ROWS = 5000;

type FindingRow = { finding: FindingEntity; hostname: string };

export interface FindingsExport {
  /** Findings matching the filter. */
  total: number;
  /** Whether the body stops before the last matching finding. */
  truncated: boolean;
  body: AsyncGenerator<string>;
}

/** Reads the fleet's current inventory (each host's current findings) and any scan run's findings. */
@Injectable()
export class FindingsService {
  constructor(
    @InjectRepository(FindingEntity) private readonly findings: Repository<FindingEntity>,
    @InjectRepository(ScanErrorEntity) private readonly errors: Repository<ScanErrorEntity>,
    @InjectRepository(ScanRunEntity) private readonly runs: Repository<ScanRunEntity>,
  ) {}

  /**
   * The files on disk (chain[0], in the text form a command takes back) that hold these findings
   * of this host: what a fix by finding works on. Throws naming an id that is not this host's.
   */
  async filesOf(hostId: string, findingIds: readonly string[]): Promise<string[]> {
    const rows = await this.findings.find({ where: { id: In([...findingIds]), hostId } });
    const found = new Set(rows.map((r) => r.id));
    const missing = findingIds.find((id) => !found.has(id));
    if (missing) throw DomainException.notFound('finding of this host', missing);
    return [...new Set(rows.map((r) => toFindingDto(r, '').chain[0]))];
  }

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

  /**
   * The export of the filtered findings, at most `limit` (and EXPORT_MAX_ROWS) of them: how many
   * match and whether the export stops short is known before the first byte (it goes into the
   * response headers), then the rows are read in batches by a keyset cursor on the finding id
   * (each batch an index range, not an OFFSET that sorts and skips everything before it again).
   */
  async export(
    filter: FindingFilterDto,
    format: 'csv' | 'json',
    limit = EXPORT_MAX_ROWS,
  ): Promise<FindingsExport> {
    const max = Math.min(limit, EXPORT_MAX_ROWS);
    const total = await this.filtered(filter).getCount();
    return { total, truncated: total > max, body: this.exportBody(filter, format, max, total) };
  }

  private async *exportBody(
    filter: FindingFilterDto,
    format: 'csv' | 'json',
    max: number,
    total: number,
  ): AsyncGenerator<string> {
    yield format === 'csv' ? csvHeader() : `{"total":${total},"truncated":${total > max},"items":[`;
    let written = 0;
    let after: string | null = null;
    while (written < max) {
      const qb = this.filtered(filter);
      if (after !== null) qb.andWhere('f.id > :after', { after });
      const { entities, raw } = await qb
        .orderBy('f.id', 'ASC')
        .limit(Math.min(EXPORT_BATCH, max - written))
        .getRawAndEntities<{ hostname: string }>();
      if (entities.length === 0) break;
      let piece = '';
      entities.forEach((finding, i) => {
        const dto = toFindingDto(finding, raw[i].hostname);
        piece +=
          format === 'csv'
            ? toCsvRow(dto)
            : `${written + i === 0 ? '' : ','}\n${JSON.stringify(dto)}`;
      });
      yield piece;
      written += entities.length;
      after = entities[entities.length - 1].id;
    }
    // Said in the body too, where a saved file keeps it (the headers are lost with the response).
    if (format === 'json') yield '\n]}\n';
    else if (total > max)
      yield `# truncated: ${written} of ${total} findings exported (limit ${max}); narrow the filter\n`;
  }

  /** A host's current findings (the union of what its latest scans saw) and its latest scan's errors. */
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
        where: { hostId: host.id, current: true },
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

  /**
   * Where a remediation of the host must be verified: the places of its current vulnerable
   * log4j-core findings (the file on disk, or the running JVMs). A host with none: everything
   * ("/" and the JVMs), so that no narrow scan can verify a remediation of nothing in particular.
   */
  async remediationTargetsOf(hostId: string): Promise<RemediationTargets> {
    const rows = await this.findings.find({
      where: { hostId, current: true, product: VULNERABLE_PRODUCT, status: 'vulnerable' },
      select: { id: true, source: true, path: true },
      take: INVENTORY_MAX_ROWS,
    });
    if (rows.length === 0) return { paths: ['/'], processes: true };
    const paths = new Set<string>();
    for (const r of rows) if (r.source === 'path') paths.add(onDisk(r.path));
    return { paths: [...paths].sort(), processes: rows.some((r) => r.source === 'process') };
  }

  private filtered(filter: FindingFilterDto): SelectQueryBuilder<FindingEntity> {
    const qb = this.findings
      .createQueryBuilder('f')
      .innerJoin(HostEntity, 'h', 'h.id = f.host_id')
      .addSelect('h.hostname', 'hostname');
    // A scan run's findings, whatever replaced them since; else the hosts' current findings.
    if (filter.scanRunId)
      qb.andWhere('f.scan_run_id = :scanRunId', { scanRunId: filter.scanRunId });
    else qb.andWhere('f.current = :current', { current: true });
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
