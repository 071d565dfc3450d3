import { promises as fsp } from 'node:fs';
import path from 'node:path';
import {
  CommandState,
  Finding as FindingMessage,
  ScanError as ScanErrorMessage,
  type Command,
  type CommandUpdate,
  type ScanCommand,
  type ScanSummary as ScanSummaryMessage,
} from '@log4fleet/contracts';
import type { ScanSummary } from '@log4fleet/scanner';
import type { ExecutedCommand, ExecutedLog } from './executed-log';
import type { Logger } from './logger';
import type { Outbox } from './outbox';
import {
  toFindingMessage,
  toScanErrorMessage,
  toScanOptions,
  toSummaryMessage,
  truncateUtf8,
  type ScanFn,
} from './scan-mapping';
import { SpoolReader, SpoolWriter } from './spool';
import { ensurePrivateDir, errorMessage } from './state-dir';
import { mergeSummaries } from '../scan/process-scan';

/** Protocol limit per UploadResultsRequest. */
export const CHUNK_FINDINGS = 500;
export const CHUNK_ERRORS = 500;

export interface CommandExecutorDeps {
  scan: ScanFn;
  outbox: Outbox;
  executed: ExecutedLog;
  /** Scratch space for spooled results (inside the state directory). */
  workDir: string;
  log: Logger;
  /** Sends a CommandUpdate to the controller (or queues it while disconnected). */
  report: (update: CommandUpdate) => void;
  workerFile?: string;
  /** Inspection of running JVMs (same contract as scan); absent in builds without it. */
  processScan?: ScanFn;
  now?: () => number;
}

interface Running {
  abort: AbortController;
  /** Set once results are being written to the outbox: too late to cancel. */
  writing: boolean;
  done: Promise<void>;
}

class CancelledError extends Error {}

/**
 * Runs the commands the controller sends, each id at most once: a redelivered command
 * (the controller resends what it has not seen finish) is acknowledged again with what
 * this agent knows of it, never executed twice.
 */
export class CommandExecutor {
  private readonly running = new Map<string, Running>();
  private readonly now: () => number;
  private stopping = false;

  constructor(private readonly deps: CommandExecutorDeps) {
    this.now = deps.now ?? Date.now;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Starts `command` unless it ran or runs already. Never throws; outcomes go to report(). */
  handle(command: Command): void {
    const log = this.deps.log.child({ commandId: command.id });
    const executed = this.deps.executed.get(command.id);
    if (executed) {
      log.info(
        { state: executed.state },
        'command already executed: acknowledging again, not re-running',
      );
      this.deps.report(updateFromExecuted(executed, this.now()));
      return;
    }
    if (this.running.has(command.id)) {
      log.info('command already running: acknowledging again');
      this.send(command.id, CommandState.COMMAND_STATE_STARTED);
      return;
    }
    if (this.stopping) return;
    const abort = new AbortController();
    const entry: Running = { abort, writing: false, done: Promise.resolve() };
    this.running.set(command.id, entry);
    entry.done = this.execute(command, entry, log).finally(() => this.running.delete(command.id));
  }

  /** Stops a running scan; its results are discarded and the command reported cancelled. */
  cancel(commandId: string): boolean {
    const entry = this.running.get(commandId);
    if (!entry || entry.writing) return false;
    entry.abort.abort(new CancelledError('cancelled by the controller'));
    return true;
  }

  /** Resolves once every command running now has finished. */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.running.values()].map((e) => e.done));
  }

  /**
   * For SIGTERM: scans are abandoned (not recorded, so the controller's redelivery reruns
   * them), results already being written are finished so no half-written command remains.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const entry of this.running.values()) {
      if (!entry.writing) entry.abort.abort(new Error('agent shutting down'));
    }
    await Promise.all([...this.running.values()].map((e) => e.done));
  }

  private async execute(command: Command, entry: Running, log: Logger): Promise<void> {
    this.send(command.id, CommandState.COMMAND_STATE_DELIVERED);
    if (command.expiresAtMs > 0 && this.now() > command.expiresAtMs) {
      log.warn({ expiresAtMs: command.expiresAtMs }, 'command expired before it could start');
      await this.finish(
        command.id,
        'expired',
        0,
        `expired at ${new Date(command.expiresAtMs).toISOString()}`,
        log,
      );
      return;
    }
    try {
      const totalChunks = await this.runKind(command, entry, log);
      await this.finish(command.id, 'succeeded', totalChunks, '', log);
    } catch (err) {
      await this.settleFailure(command.id, entry, err, log);
    }
  }

  private async settleFailure(
    commandId: string,
    entry: Running,
    err: unknown,
    log: Logger,
  ): Promise<void> {
    const reason: unknown = entry.abort.signal.aborted ? entry.abort.signal.reason : err;
    if (reason instanceof CancelledError) {
      await this.finish(commandId, 'cancelled', 0, reason.message, log);
      return;
    }
    if (this.stopping && entry.abort.signal.aborted) {
      log.info('scan abandoned by shutdown; the controller will deliver the command again');
      return;
    }
    await this.finish(commandId, 'failed', 0, errorMessage(err), log);
  }

  private async runKind(command: Command, entry: Running, log: Logger): Promise<number> {
    const kind = command.kind;
    if (!kind) throw new Error('command carries no known kind (agent older than the controller?)');
    switch (kind.$case) {
      case 'scan':
        return this.runScan(command.id, kind.value, entry, log);
    }
  }

  private async runScan(
    commandId: string,
    scanCommand: ScanCommand,
    entry: Running,
    log: Logger,
  ): Promise<number> {
    const options = toScanOptions(scanCommand, this.deps.workerFile);
    const dir = path.join(this.deps.workDir, commandId);
    await fsp.rm(dir, { recursive: true, force: true });
    await ensurePrivateDir(dir);
    try {
      this.send(commandId, CommandState.COMMAND_STATE_STARTED);
      log.info({ paths: options.paths, exclude: options.exclude }, 'scan started');
      const spooled = await this.scanToSpool(
        this.scanPlan(scanCommand, log),
        options,
        dir,
        entry.abort.signal,
      );
      log.info(
        {
          findings: spooled.findings,
          errors: spooled.errors,
          durationMs: spooled.summary.durationMs,
        },
        'scan finished',
      );
      entry.writing = true;
      return await this.writeChunks(commandId, dir, toSummaryMessage(spooled.summary), spooled);
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
    options: ReturnType<typeof toScanOptions>,
    dir: string,
    signal: AbortSignal,
  ): Promise<{ summary: ScanSummary; findings: number; errors: number }> {
    const findings = new SpoolWriter(path.join(dir, 'findings.spool'));
    const errors = new SpoolWriter(path.join(dir, 'errors.spool'));
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
    const findings = await SpoolReader.open(path.join(dir, 'findings.spool'));
    const errors = await SpoolReader.open(path.join(dir, 'errors.spool'));
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

  private async finish(
    commandId: string,
    state: ExecutedCommand['state'],
    totalChunks: number,
    message: string,
    log: Logger,
  ): Promise<void> {
    const entry: ExecutedCommand = {
      id: commandId,
      state,
      totalChunks,
      message: truncateUtf8(message, 1024),
      atMs: this.now(),
      confirmed: false,
    };
    try {
      await this.deps.executed.record(entry);
    } catch (err) {
      log.error(
        { err: errorMessage(err) },
        'cannot record executed command; a redelivery would run it again',
      );
    }
    const level = state === 'failed' ? 'error' : 'info';
    log[level]({ state, totalChunks, message }, `command ${state}`);
    this.deps.report(updateFromExecuted(entry, this.now()));
  }

  private send(commandId: string, state: CommandState): void {
    this.deps.report({ commandId, state, message: '', atMs: this.now(), totalChunks: 0 });
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

const STATE_OF: Record<ExecutedCommand['state'], CommandState> = {
  succeeded: CommandState.COMMAND_STATE_SUCCEEDED,
  failed: CommandState.COMMAND_STATE_FAILED,
  expired: CommandState.COMMAND_STATE_EXPIRED,
  cancelled: CommandState.COMMAND_STATE_CANCELLED,
};

export function updateFromExecuted(entry: ExecutedCommand, atMs: number): CommandUpdate {
  return {
    commandId: entry.id,
    state: STATE_OF[entry.state],
    message: entry.message,
    atMs,
    totalChunks: entry.totalChunks,
  };
}
