export { scanFile, type ScanFileOptions, type FileScanResult } from './scan-file';
export { scan, scanDirectoryTree, type ScanInternals, type TreeScanResult } from './scan';
export {
  explodedRootOf,
  scanExplodedRoot,
  type ExplodedRoot,
  type ExplodedScanResult,
} from './exploded';
export type { Detector } from './scan-context';
