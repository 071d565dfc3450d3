import { scanFile } from '@log4fleet/scanner';
import type { JarScanResult } from './types';

/** The default ScanJarFn: the scanner engine, opening `path` and reporting `displayPath`. */
export function scanWithEngine(path: string, displayPath: string): JarScanResult {
  const { findings, errors } = scanFile(path, { displayPath });
  return { findings, errors };
}
