import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DomainException } from '../common/domain.exception';
import { Page, PageQueryDto } from '../common/pagination.dto';
import { HostEntity } from '../hosts/host.entity';
import { FindingEntity } from './finding.entity';
import { FindingDto, ScanRunDto } from './findings.dto';
import { toFindingDto, toScanRunDto } from './findings.mapper';
import { ScanComparisonDto } from './scan-history.dto';
import { ScanRunEntity } from './scan-run.entity';

/** The most findings of one scan a comparison reads. */
const COMPARE_MAX_ROWS = 20_000;
const COMPARED_FIELDS: Array<keyof FindingDto> = [
  'status',
  'version',
  'versionExact',
  'cves',
  'sha256',
  'evidence',
];

const identity = (f: FindingEntity): string =>
  `${f.source}\u0000${f.path}\u0000${f.product}\u0000${f.packageRoot}`;

/** A host's scans: each run with its scope, completeness and summary, and what changed between two. */
@Injectable()
export class ScanHistoryService {
  constructor(
    @InjectRepository(ScanRunEntity) private readonly runs: Repository<ScanRunEntity>,
    @InjectRepository(FindingEntity) private readonly findings: Repository<FindingEntity>,
    @InjectRepository(HostEntity) private readonly hosts: Repository<HostEntity>,
  ) {}

  /** Newest first. */
  async list(hostId: string, query: PageQueryDto): Promise<Page<ScanRunDto>> {
    await this.requireHost(hostId);
    const [rows, total] = await this.runs.findAndCount({
      where: { hostId },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    });
    return { items: rows.map(toScanRunDto), total, page: query.page, pageSize: query.pageSize };
  }

  /** New, gone and changed findings from scan run `from` to scan run `to`, both of this host. */
  async compare(hostId: string, from: string, to: string): Promise<ScanComparisonDto> {
    const host = await this.requireHost(hostId);
    for (const id of [from, to]) {
      const run = await this.runs.findOneBy({ id, hostId });
      if (!run) throw DomainException.notFound('scan run of this host', id);
    }
    const read = (scanRunId: string) =>
      this.findings.find({
        where: { scanRunId },
        order: { id: 'ASC' },
        take: COMPARE_MAX_ROWS + 1,
      });
    const [before, after] = await Promise.all([read(from), read(to)]);
    const truncated = before.length > COMPARE_MAX_ROWS || after.length > COMPARE_MAX_ROWS;
    const dto = (f: FindingEntity) => toFindingDto(f, host.hostname);
    const earlier = new Map(before.slice(0, COMPARE_MAX_ROWS).map((f) => [identity(f), f]));
    const result: ScanComparisonDto = { from, to, new: [], gone: [], changed: [], truncated };
    for (const f of after.slice(0, COMPARE_MAX_ROWS)) {
      const was = earlier.get(identity(f));
      earlier.delete(identity(f));
      if (!was) {
        result.new.push(dto(f));
        continue;
      }
      const [b, a] = [dto(was), dto(f)];
      const fields = COMPARED_FIELDS.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]));
      if (fields.length > 0) result.changed.push({ before: b, after: a, fields });
    }
    result.gone = [...earlier.values()].map(dto);
    return result;
  }

  private async requireHost(id: string): Promise<HostEntity> {
    const host = await this.hosts.findOneBy({ id });
    if (!host) throw DomainException.notFound('host', id);
    return host;
  }
}
