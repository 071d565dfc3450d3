import { promises as fsp } from 'node:fs';
import {
  AGENT_STATE_WIRE,
  CommandState,
  PROTOCOL_LIMITS,
  Finding as FindingMessage,
  ScanError as ScanErrorMessage,
  type Command,
  type CommandUpdate,
  type ScanCommand,
  type ScanSummary as ScanSummaryMessage,
} from '@log4fleet/contracts';
import type { ScanOptions, ScanSummary } from '@log4fleet/scanner';
import { invalidIdMessage, isCommandId } from './command-id';
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
import { boundScanOptions, checkScanCommand } from './scan-bounds';
import { SpoolReader, SpoolWriter } from './spool';
import { confinedPath, ensurePrivateDir, errorMessage } from './state-dir';
import { mergeSummaries } from '../scan/process-scan';

/** Protocol limit per UploadResultsRequest. */
export const CHUNK_FINDINGS = PROTOCOL_LIMITS.findingsPerChunk;
export const CHUNK_ERRORS = PROTOCOL_LIMITS.errorsPerChunk;
const FINDINGS_SPOOL = 'findings.spool';
const ERRORS_SPOOL = 'errors.spool';

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

interface Entry {
  command: Command;
  log: Logger;
  abort: AbortController;
  /** False while it waits in the queue behind the running command. */
  started: boolean;
  /** Set once results are being written to the outbox: too late to cancel. */
  writing: boolean;
  /** Settles once the command left the executor (finished, cancelled or dropped). */
  done: Promise<void>;
  settle: () => void;
}

function newEntry(command: Command, log: Logger): Entry {
  let settle = (): void => undefined;
  const done = new Promise<void>((resolve) => (settle = resolve));
  return {
    command,
    log,
    abort: new AbortController(),
    started: false,
    writing: false,
    done,
    settle,
  };
}

class CancelledError extends Error {}

/**
 * Runs the commands the controller sends, each id at most once: a redelivered command
 * (the controller resends what it has not seen finish) is acknowledged again with what
 * this agent knows of it, never executed twice. One command runs at a time (a scan takes
 * the host's cores and a share of the agent's memory); the others wait in arrival order,
 * reported delivered, and are reported started only when they start.
 */
export class CommandExecutor {
  /** Every command held: the running one and the queued ones. */
  private readonly held = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private active: Entry | undefined;
  private readonly now: () => number;
  private stopping = false;

  constructor(private readonly deps: CommandExecutorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Commands held: running or waiting to run. */
  get runningCount(): number {
    return this.held.size;
  }

  /** Queues `command` unless it ran or is held already. Never throws; outcomes go to report(). */
  handle(command: Command): void {
    // The id names the command's directory in the state directory: checked before any use.
    if (!isCommandId(command.id)) {
      this.deps.log.error({ commandId: command.id }, invalidIdMessage('command id', command.id));
      return;
    }
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
    const held = this.held.get(command.id);
    if (held) {
      log.info({ started: held.started }, 'command already held: acknowledging again');
      const state = held.started
        ? CommandState.COMMAND_STATE_STARTED
        : CommandState.COMMAND_STATE_DELIVERED;
      this.send(command.id, state);
      return;
    }
    if (this.stopping) return;
    const entry = newEntry(command, log);
    this.held.set(command.id, entry);
    this.queue.push(entry);
    this.send(command.id, CommandState.COMMAND_STATE_DELIVERED);
    if (this.active) log.info({ position: this.queue.length }, 'command queued');
    this.next();
  }

  /**
   * Records `commandId` as failed without running it (a command the agent could not decode)
   * and reports it; ids that are not command ids are refused, never reported.
   */
  async refuse(commandId: string, message: string): Promise<void> {
    if (!isCommandId(commandId)) {
      this.deps.log.error({ commandId, message }, invalidIdMessage('command id', commandId));
      return;
    }
    const log = this.deps.log.child({ commandId });
    const executed = this.deps.executed.get(commandId);
    if (executed) {
      log.info({ state: executed.state }, 'command already executed: acknowledging again');
      this.deps.report(updateFromExecuted(executed, this.now()));
      return;
    }
    if (this.held.has(commandId)) {
      log.warn({ message }, 'undecodable copy of a command this agent holds: ignored');
      return;
    }
    await this.finish(commandId, 'failed', 0, message, log);
  }

  /**
   * Stops a running scan (its results are discarded) or drops a queued one; either is
   * reported cancelled. False once results are being written, or when the id is unknown.
   */
  cancel(commandId: string): boolean {
    if (!isCommandId(commandId)) {
      this.deps.log.error({ commandId }, invalidIdMessage('cancel of command id', commandId));
      return false;
    }
    const entry = this.held.get(commandId);
    if (!entry || entry.writing) return false;
    if (entry.abort.signal.aborted) return true;
    const reason = new CancelledError('cancelled by the controller');
    entry.abort.abort(reason);
    if (entry.started) return true;
    this.queue.splice(this.queue.indexOf(entry), 1);
    void this.finish(
      commandId,
      'cancelled',
      0,
      `${reason.message} before it started`,
      entry.log,
    ).finally(() => this.release(entry));
    return true;
  }

  /** Resolves once every command held now (running and queued) has finished. */
  async whenIdle(): Promise<void> {
    while (this.held.size > 0) {
      await Promise.all([...this.held.values()].map((e) => e.done));
    }
  }

  /**
   * For SIGTERM: queued commands are dropped and the running scan abandoned (neither
   * recorded, so the controller's redelivery runs them); results already being written are
   * finished so no half-written command remains.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const entry of this.queue.splice(0)) {
      entry.log.info('queued command dropped by shutdown; the controller will deliver it again');
      this.release(entry);
    }
    const active = this.active;
    if (active && !active.writing) active.abort.abort(new Error('agent shutting down'));
    await active?.done;
  }

  private release(entry: Entry): void {
    this.held.delete(entry.command.id);
    entry.settle();
  }

  /** Starts the next queued command when none runs. */
  private next(): void {
    if (this.active || this.stopping) return;
    const entry = this.queue.shift();
    if (!entry) return;
    this.active = entry;
    entry.started = true;
    void this.execute(entry.command, entry, entry.log)
      .catch((err: unknown) =>
        entry.log.error({ err: errorMessage(err) }, 'command ended on an unexpected error'),
      )
      .finally(() => {
        this.active = undefined;
        this.release(entry);
        this.next();
      });
  }

  private async execute(command: Command, entry: Entry, log: Logger): Promise<void> {
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
    entry: Entry,
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

  private async runKind(command: Command, entry: Entry, log: Logger): Promise<number> {
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
    entry: Entry,
    log: Logger,
  ): Promise<number> {
    checkScanCommand(scanCommand);
    const { options, clamped } = boundScanOptions(toScanOptions(scanCommand, this.deps.workerFile));
    if (clamped.length > 0) log.warn({ clamped }, 'scan limits lowered to what this agent allows');
    // Never outside the work directory, whatever the id (handle() checked it already).
    const dir = confinedPath(this.deps.workDir, commandId);
    await fsp.rm(dir, { recursive: true, force: true });
    await ensurePrivateDir(dir);
    try {
      this.send(commandId, CommandState.COMMAND_STATE_STARTED);
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
      message: truncateUtf8(message, PROTOCOL_LIMITS.messageBytes),
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

export function updateFromExecuted(entry: ExecutedCommand, atMs: number): CommandUpdate {
  return {
    commandId: entry.id,
    state: AGENT_STATE_WIRE[entry.state],
    message: entry.message,
    atMs,
    totalChunks: entry.totalChunks,
  };
}
