import { Injectable } from '@nestjs/common';
import type { InventorySnapshot } from '@log4fleet/contracts';
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

/** One host's latest snapshot, reduced by a caller's extraction. */
export interface LatestFacts<T> {
  hostId: string;
  hostname: string;
  snapshotId: string;
  collectedAt: string;
  facts: T;
}

/** What another feature keeps of the snapshots it read: rows never change, so by snapshot id. */
export type FactsCache<T> = Map<string, T>;

// Hosts read per statement when walking the fleet: bounds memory to this many snapshot bodies.
const FLEET_BATCH = 200;

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

  /** The host's latest snapshot, parsed; null when it has none (the host must exist). */
  async latestSnapshot(
    hostId: string,
  ): Promise<{ snapshotId: string; collectedAt: string; snapshot: InventorySnapshot } | null> {
    await this.hosts.get(hostId);
    const latest = await this.snapshots.latest(hostId);
    if (!latest) return null;
    return {
      snapshotId: latest.id,
      collectedAt: latest.collectedAt.toISOString(),
      snapshot: parseSnapshot(latest.snapshot),
    };
  }

  /**
   * Every host's latest snapshot reduced by `extract`, in host id order. Bodies are read
   * FLEET_BATCH at a time and only for snapshots not already in `cache` (snapshot rows never
   * change); the cache keeps only what this walk saw.
   */
  async latestFacts<T>(
    extract: (s: InventorySnapshot) => T,
    cache: FactsCache<T>,
  ): Promise<LatestFacts<T>[]> {
    const out: LatestFacts<T>[] = [];
    const seenHosts = new Set<string>();
    let after = '';
    for (;;) {
      const page = await this.snapshots.latestIds(after, FLEET_BATCH);
      if (page.length === 0) break;
      after = page[page.length - 1].hostId;
      const missing = page.filter((r) => !cache.has(r.id)).map((r) => r.id);
      for (const [id, body] of await this.snapshots.bodies(missing))
        cache.set(id, extract(parseSnapshot(body)));
      for (const r of page) {
        // Two agents of one host may share a collected_at_ms: the first (by id) stands.
        const facts = cache.get(r.id);
        if (seenHosts.has(r.hostId) || facts === undefined) continue;
        seenHosts.add(r.hostId);
        out.push({
          hostId: r.hostId,
          hostname: r.hostname,
          snapshotId: r.id,
          collectedAt: new Date(r.collectedAtMs).toISOString(),
          facts,
        });
      }
      if (page.length < FLEET_BATCH) break;
    }
    const live = new Set(out.map((o) => o.snapshotId));
    for (const id of cache.keys()) if (!live.has(id)) cache.delete(id);
    return out;
  }

  private async requireLatest(hostId: string): Promise<InventorySnapshotEntity> {
    await this.hosts.get(hostId);
    const latest = await this.snapshots.latest(hostId);
    if (!latest) throw DomainException.notFound('inventory of host', hostId);
    return latest;
  }
}
