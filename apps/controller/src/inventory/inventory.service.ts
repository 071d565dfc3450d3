import { Injectable } from '@nestjs/common';
import { DomainException } from '../common/domain.exception';
import { Page, PageQueryDto } from '../common/pagination.dto';
import { HostsService } from '../hosts/hosts.service';
import { diffSnapshots } from './inventory-diff';
import {
  HostProcessesDto,
  InventoryDiffDto,
  InventoryHostDto,
  InventoryHostQueryDto,
  InventorySnapshotDto,
  InventorySnapshotSummaryDto,
} from './inventory.dto';
import {
  parseSnapshot,
  toChangeDto,
  toInventoryHostDto,
  toProcessesDto,
  toSnapshotDto,
  toSummaryDto,
} from './inventory.mapper';
import { InventorySnapshotEntity } from './inventory-snapshot.entity';
import { InventorySnapshotsRepository } from './inventory-snapshots.repository';

/** Reads of the inventory history: per host, and across the fleet. */
@Injectable()
export class InventoryService {
  constructor(
    private readonly snapshots: InventorySnapshotsRepository,
    private readonly hosts: HostsService,
  ) {}

  async latest(hostId: string): Promise<InventorySnapshotDto> {
    return toSnapshotDto(await this.requireLatest(hostId));
  }

  async processes(hostId: string): Promise<HostProcessesDto> {
    return toProcessesDto(await this.requireLatest(hostId));
  }

  async history(hostId: string, query: PageQueryDto): Promise<Page<InventorySnapshotSummaryDto>> {
    await this.hosts.get(hostId);
    const [rows, total] = await this.snapshots.history(hostId, query.page, query.pageSize);
    return { items: rows.map(toSummaryDto), total, page: query.page, pageSize: query.pageSize };
  }

  async diff(hostId: string, fromId: string, toId: string): Promise<InventoryDiffDto> {
    await this.hosts.get(hostId);
    const rows = await this.snapshots.ofHost(hostId, [fromId, toId]);
    const from = rows.find((r) => r.id === fromId);
    const to = rows.find((r) => r.id === toId);
    if (!from) throw DomainException.notFound(`inventory snapshot of host ${hostId}`, fromId);
    if (!to) throw DomainException.notFound(`inventory snapshot of host ${hostId}`, toId);
    const changes = diffSnapshots(parseSnapshot(from.snapshot), parseSnapshot(to.snapshot));
    return {
      hostId,
      from: toSummaryDto(from),
      to: toSummaryDto(to),
      changes: changes.map(toChangeDto),
    };
  }

  async queryHosts(query: InventoryHostQueryDto): Promise<Page<InventoryHostDto>> {
    const [rows, total] = await this.snapshots.latestMatching({
      runningVulnerableJvm: query.runningVulnerableJvm,
      restartNeeded: query.restartNeeded,
      privilegedAddedSince: query.privilegedAddedSince
        ? new Date(query.privilegedAddedSince)
        : undefined,
      notUpdatedSince: query.notUpdatedSince ? new Date(query.notUpdatedSince) : undefined,
      page: query.page,
      pageSize: query.pageSize,
    });
    return {
      items: rows.map(toInventoryHostDto),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  private async requireLatest(hostId: string): Promise<InventorySnapshotEntity> {
    await this.hosts.get(hostId);
    const latest = await this.snapshots.latest(hostId);
    if (!latest) throw DomainException.notFound('inventory of host', hostId);
    return latest;
  }
}
