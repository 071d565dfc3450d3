import { promises as fsp } from 'node:fs';
import {
  Finding as FindingMessage,
  ScanError as ScanErrorMessage,
  type ScanCommand,
  type ScanSummary as ScanSummaryMessage,
  PROTOCOL_LIMITS,
} from '@log4fleet/contracts';
import type { ScanOptions, ScanSummary } from '@log4fleet/scanner';
import { mergeSummaries } from '../../scan/process-scan';
import type { Logger } from '../logger';
import type { Outbox } from '../outbox';
import {
  toFindingMessage,
  toScanErrorMessage,
  toScanOptions,
  toSummaryMessage,
  type ScanFn,
} from '../scan-mapping';
import { boundScanOptions, checkScanCommand } from '../scan-bounds';
import { SpoolReader, SpoolWriter } from '../spool';
import { confinedPath, ensurePrivateDir } from '../state-dir';
import type { KindHandler, KindRun } from './kind-handler';

/** Protocol limit per UploadResultsRequest. */
export const CHUNK_FINDINGS = PROTOCOL_LIMITS.findingsPerChunk;
export const CHUNK_ERRORS = PROTOCOL_LIMITS.errorsPerChunk;
const FINDINGS_SPOOL = 'findings.spool';
const ERRORS_SPOOL = 'errors.spool';

export interface ScanHandlerDeps {
  scan: ScanFn;
  /** Inspection of running JVMs (same contract as scan); absent in builds without it. */
  processScan?: ScanFn;
  outbox: Outbox;
  /** Scratch space for spooled results (inside the state directory). */
  workDir: string;
  workerFile?: string;
  /** Called once a scan that inspected running processes has put its results in the outbox. */
  onProcessesInspected?: () => void;
}

/**
 * The scan kind on the agent: the scanner engine (and the running-JVM inspection) over the
 * command's paths, results spooled to disk and put in the outbox in chunks.
 */
export class ScanHandler implements KindHandler<'scan'> {
  constructor(private readonly deps: ScanHandlerDeps) {}

  async run(scanCommand: ScanCommand, run: KindRun): Promise<number> {
    const { commandId, log } = run;
    checkScanCommand(scanCommand);
    const { options, clamped } = boundScanOptions(toScanOptions(scanCommand, this.deps.workerFile));
    if (clamped.length > 0) log.warn({ clamped }, 'scan limits lowered to what this agent allows');
    // Never outside the work directory, whatever the id (the executor checked it already).
    const dir = confinedPath(this.deps.workDir, commandId);
    await fsp.rm(dir, { recursive: true, force: true });
    await ensurePrivateDir(dir);
    try {
      run.started();
      log.info(
        {
          // A path that is not UTF-8 arrives as bytes: logged as base64, not as a Buffer dump.
          paths: options.paths.map((p) =>
            typeof p === 'string' ? p : `base64:${p.toString('base64')}`,
          ),
          exclude: options.exclude,
          threads: options.threads,
        },
        'scan started',
      );
      const plan = this.scanPlan(scanCommand, log);
      const spooled = await this.scanToSpool(plan, options, dir, run.signal);
      log.info(
        {
          findings: spooled.findings,
          errors: spooled.errors,
          durationMs: spooled.summary.durationMs,
        },
        'scan finished',
      );
      run.writing();
      const chunks = await this.writeChunks(
        commandId,
        dir,
        toSummaryMessage(spooled.summary),
        spooled,
      );
      if (this.deps.processScan && plan.includes(this.deps.processScan))
        this.deps.onProcessesInspected?.();
      return chunks;
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }

  /** Which engines a scan command needs: the filesystem, running JVMs, or both. */
  private scanPlan(command: ScanCommand, log: Logger): ScanFn[] {
    const processScan = this.deps.processScan;
    if (command.processesOnly) {
      if (!processScan)
        throw new Error(
          'this agent build cannot inspect running JVMs (processes_only scan refused)',
        );
      return [processScan];
    }
    if (!command.processes) return [this.deps.scan];
    if (processScan) return [this.deps.scan, processScan];
    log.warn('running-JVM inspection requested but not available in this build: filesystem only');
    return [this.deps.scan];
  }

  private async scanToSpool(
    plan: ScanFn[],
    options: ScanOptions,
    dir: string,
    signal: AbortSignal,
  ): Promise<{ summary: ScanSummary; findings: number; errors: number }> {
    const findings = new SpoolWriter(confinedPath(dir, FINDINGS_SPOOL));
    const errors = new SpoolWriter(confinedPath(dir, ERRORS_SPOOL));
    try {
      const sink = {
        finding: (f: Parameters<typeof toFindingMessage>[0]) => {
          if (!signal.aborted) findings.append(FindingMessage.encode(toFindingMessage(f)).finish());
        },
        error: (e: Parameters<typeof toScanErrorMessage>[0]) => {
          if (!signal.aborted)
            errors.append(ScanErrorMessage.encode(toScanErrorMessage(e)).finish());
        },
      };
      let summary: ScanSummary | undefined;
      for (const scan of plan) {
        const part = await untilAborted(scan(options, sink, signal), signal);
        summary = summary ? mergeSummaries(summary, part) : part;
      }
      if (!summary) throw new Error('scan plan is empty');
      return { summary, findings: findings.count, errors: errors.count };
    } finally {
      findings.close();
      errors.close();
    }
  }

  /** Spooled results -> outbox chunks of <= 500 findings and <= 500 errors; summary in the last. */
  private async writeChunks(
    commandId: string,
    dir: string,
    summary: ScanSummaryMessage,
    counts: { findings: number; errors: number },
  ): Promise<number> {
    const findings = await SpoolReader.open(confinedPath(dir, FINDINGS_SPOOL));
    const errors = await SpoolReader.open(confinedPath(dir, ERRORS_SPOOL));
    try {
      const totalChunks = Math.max(
        1,
        Math.ceil(counts.findings / CHUNK_FINDINGS),
        Math.ceil(counts.errors / CHUNK_ERRORS),
      );
      for (let sequence = 0; sequence < totalChunks; sequence += 1) {
        const last = sequence === totalChunks - 1;
        await this.deps.outbox.put({
          commandId,
          sequence,
          totalChunks,
          findings: (await findings.take(CHUNK_FINDINGS)).map((b) => FindingMessage.decode(b)),
          errors: (await errors.take(CHUNK_ERRORS)).map((b) => ScanErrorMessage.decode(b)),
          summary: last ? summary : undefined,
        });
      }
      return totalChunks;
    } finally {
      await findings.close();
      await errors.close();
    }
  }
}

/**
 * The scan's summary, or a rejection as soon as `signal` aborts: an engine that does not
 * watch the signal cannot keep the command (or a shutdown) waiting.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void =>
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
