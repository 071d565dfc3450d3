import { Injectable } from '@nestjs/common';
import { CommandDto } from '../commands/commands.dto';
import { CommandsService } from '../commands/commands.service';
import { Page } from '../common/pagination.dto';
import { HostsService } from '../hosts/hosts.service';
import type {
  CallbackHostDto,
  CallbackHostQueryDto,
  CreateHuntDto,
  HostHuntHitQueryDto,
  HuntHitDto,
  HuntHitQueryDto,
  HuntRunDto,
} from './hunt.dto';
import type { PageQueryDto } from '../common/pagination.dto';
import { huntParams } from './hunt.kind';
import { toCallbackHostDto, toHuntHitDto, toHuntRunDto } from './hunt.mapper';
import { HuntHitsRepository } from './hunt-hits.repository';

/** Starting hunts and reading what they found, per host and across the fleet. */
@Injectable()
export class HuntService {
  constructor(
    private readonly commands: CommandsService,
    private readonly hosts: HostsService,
    private readonly repo: HuntHitsRepository,
  ) {}

  start(hostId: string, dto: CreateHuntDto, actor: string): Promise<CommandDto> {
    const { expiresInSeconds, ...params } = dto;
    return this.commands.create(hostId, { kind: 'hunt', params: huntParams(params) }, actor, {
      expiresInSeconds,
    });
  }

  async hostHits(hostId: string, query: HostHuntHitQueryDto): Promise<Page<HuntHitDto>> {
    await this.hosts.require(hostId);
    return this.search({ ...query, hostId });
  }

  async hostRuns(hostId: string, query: PageQueryDto): Promise<Page<HuntRunDto>> {
    await this.hosts.require(hostId);
    const [total, rows] = await Promise.all([
      this.repo.countRuns(hostId),
      this.repo.runs(hostId, (query.page - 1) * query.pageSize, query.pageSize),
    ]);
    return { items: rows.map(toHuntRunDto), total, page: query.page, pageSize: query.pageSize };
  }

  async search(query: HuntHitQueryDto): Promise<Page<HuntHitDto>> {
    const { page, pageSize, ...filter } = query;
    const [total, rows] = await Promise.all([
      this.repo.countHits(filter),
      this.repo.hits(filter, (page - 1) * pageSize, pageSize),
    ]);
    return { items: rows.map(toHuntHitDto), total, page, pageSize };
  }

  async callbackHosts(query: CallbackHostQueryDto): Promise<Page<CallbackHostDto>> {
    const [total, rows] = await Promise.all([
      this.repo.countCallbackHosts(query.since),
      this.repo.callbackHosts(query.since, (query.page - 1) * query.pageSize, query.pageSize),
    ]);
    return {
      items: rows.map(toCallbackHostDto),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }
}
