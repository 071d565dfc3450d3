import { Injectable } from '@nestjs/common';
import { InventorySnapshotsRepository } from './inventory-snapshots.repository';

/** Hosts and snapshots handled per statement. */
const PAGE = 500;

/** Inventory snapshot retention: the newest `keep` of each host stay, older ones go past a date. */
@Injectable()
export class InventoryRetention {
  constructor(private readonly snapshots: InventorySnapshotsRepository) {}

  /** Deletes the snapshots beyond each host's `keep` newest that were received before `before`. */
  async prune(keep: number, before: Date): Promise<number> {
    let deleted = 0;
    let afterHostId = '';
    for (;;) {
      const hosts = await this.snapshots.hostsOver(keep, afterHostId, PAGE);
      for (const hostId of hosts) {
        for (;;) {
          const batch = await this.snapshots.pruneHost(hostId, keep, before, PAGE);
          deleted += batch.deleted;
          if (!batch.more) break;
        }
      }
      if (hosts.length < PAGE) return deleted;
      afterHostId = hosts[hosts.length - 1];
    }
  }
}
