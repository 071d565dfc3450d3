export { toInventorySnapshot, INVENTORY_LIMITS } from './inventory-mapping';
export { collectSnapshot, type CollectSnapshotDeps } from './collect-snapshot';
export { reportInventory } from './report-inventory';
export {
  InventoryReporter,
  DEFAULT_INVENTORY_INTERVAL_MS,
  type InventoryReporterDeps,
} from './inventory-reporter';
export {
  createInventoryReporter,
  parseInventoryInterval,
  type InventoryReporterOptions,
} from './create-reporter';
