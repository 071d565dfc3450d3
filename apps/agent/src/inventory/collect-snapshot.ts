import type { ReportInventoryRequest } from '@log4fleet/contracts';
import type { CollectInventoryOptions, Inventory } from '@log4fleet/inventory';
import type { JvmReport, ProbeOptions } from '@log4fleet/jvm-probe';
import { fitSnapshot } from './fit-snapshot';
import { toInventorySnapshot } from './inventory-mapping';

export interface CollectSnapshotDeps {
  collectInventory: (opts?: CollectInventoryOptions) => Promise<Inventory>;
  probeJvms: (opts?: ProbeOptions) => Promise<JvmReport>;
  /** The agent's own version (and update time), reported in the snapshot's updates. */
  agent?: CollectInventoryOptions['agent'];
  now?: () => number;
}

/** Collects the host inventory and the running JVMs, and maps both to one ReportInventory request. */
export async function collectSnapshot(deps: CollectSnapshotDeps): Promise<ReportInventoryRequest> {
  const collectedAtMs = (deps.now ?? Date.now)();
  const inventory = await deps.collectInventory({ agent: deps.agent });
  const jvms = await deps.probeJvms();
  return fitSnapshot({ snapshot: toInventorySnapshot(inventory, jvms), collectedAtMs });
}
