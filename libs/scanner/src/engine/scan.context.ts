import type { EntryReader } from '../detect';
import { problemFromError, ScanProblem } from '../errors';
import type { Detection, Finding, ScanError, ScanErrorCode, ScanLimits } from '../types';
import { BudgetSpent, InflateBudget } from '../zip';

/** Signature of detect/'s detectLog4j, injectable so tests can exercise the engine alone. */
export type Detector = (
  names: readonly string[],
  reader: EntryReader,
  hint?: { fileName?: string },
) => Detection[];

/** State of the scan of one outer file (or one exploded directory). */
export class ScanContext {
  readonly findings: Finding[] = [];
  readonly errors: ScanError[] = [];
  readonly budget: InflateBudget;
  archives = 0;
  /** Set once the inflate budget of this file is spent: nothing more is opened. */
  stopped = false;

  constructor(
    readonly limits: ScanLimits,
    readonly detect: Detector,
    private readonly pathBytesBase64?: string,
  ) {
    this.budget = new InflateBudget(limits.maxTotalInflatedBytes);
  }

  addFindings(chain: readonly string[], detections: readonly Detection[]): void {
    for (const d of detections) {
      const f: Finding = { ...d, path: chain.join('!/'), chain: [...chain] };
      if (this.pathBytesBase64) f.pathBytesBase64 = this.pathBytesBase64;
      this.findings.push(f);
    }
  }

  addError(chain: readonly string[], code: ScanErrorCode, message: string): void {
    const e: ScanError = { path: chain.join('!/'), chain: [...chain], code, error: message };
    if (this.pathBytesBase64) e.pathBytesBase64 = this.pathBytesBase64;
    this.errors.push(e);
  }

  /** Records any thrown value as an error record; a spent budget stops the rest of the file. */
  addProblem(chain: readonly string[], err: unknown, action: string): void {
    const p = err instanceof ScanProblem ? err : problemFromError(err, action);
    if (p instanceof BudgetSpent) {
      if (this.stopped) return;
      this.stopped = true;
    }
    this.addError(chain, p.code, p.message);
  }
}
