import { scan } from '@log4fleet/scanner';
import type { ScanFn } from './scan-mapping';

/** The scanner engine as the executor calls it: a cancel aborts the walk and stops its workers. */
export function engineScan(): ScanFn {
  return (options, sink, signal) => scan({ ...options, signal }, sink);
}
