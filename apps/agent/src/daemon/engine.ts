import { scan } from '@log4fleet/scanner';
import type { ScanFn } from './scan-mapping';

/**
 * The scanner engine as the executor calls it. The engine takes no abort signal yet, so a
 * cancelled scan is abandoned (its results are dropped) rather than interrupted.
 */
export function engineScan(): ScanFn {
  return (options, sink) => scan(options, sink);
}
