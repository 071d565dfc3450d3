/**
 * The scanning engine.
 * - scanFile(path): one file, synchronously, in this thread (the JVM probe uses it on
 *   /proc/PID/fd/N with a displayPath).
 * - scan(options, sink): files and directory trees, walked here and scanned by worker
 *   threads (options.threads, options.workerFile = the bundled scan-worker.js).
 * - scanDirectoryTree(paths): scan() with defaults, results collected (tests, tools).
 * - explodedRootOf / scanExplodedRoot: log4j unpacked on disk (WEB-INF/classes/org/...).
 */
export { scanFile, type ScanFileOptions, type FileScanResult } from './file.scanner';
export {
  defaultScanThreads,
  scan,
  scanDirectoryTree,
  type ScanInternals,
  type TreeScanResult,
} from './tree.scanner';
export {
  explodedRootOf,
  scanExplodedRoot,
  type ExplodedRoot,
  type ExplodedScanResult,
} from './exploded.scanner';
export type { Detector } from './scan.context';
