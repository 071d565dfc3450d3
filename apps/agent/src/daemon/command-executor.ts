import { dirname } from 'node:path';
import {
  AGENT_STATE_WIRE,
  CommandState,
  PROTOCOL_LIMITS,
  type Command,
  type CommandUpdate,
} from '@log4fleet/contracts';
import { invalidIdMessage, isCommandId } from './command-id';
import type { ExecutedCommand, ExecutedLog } from './executed-log';
import type { KindHandler, KindHandlers } from './kinds/kind-handler';
import { ScanHandler } from './kinds/scan-handler';
import {
  QuarantineHandler,
  ReleaseHandler,
  type ContainmentHandlerDeps,
} from '../quarantine/quarantine-handler';
import { ProbeHandler, type ProbeFn } from '../probe/probe-handler';
import { FixHandler, RestoreHandler } from '../remediation/remediation-handlers';
import { HuntHandler } from '../hunt/hunt-handler';
import type { Logger } from './logger';
import type { Outbox } from './outbox';
import { truncateUtf8, type ScanFn } from './scan-mapping';
import { errorMessage } from './state-dir';

export { CHUNK_ERRORS, CHUNK_FINDINGS } from './kinds/scan-handler';

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
  /** The agent's state directory (fix backups); default: the parent of workDir. */
  stateDir?: string;
  /** Called after a scan that inspected running processes finished (default handlers only). */
  onProcessesInspected?: () => void;
  /** The canary probe (probe commands); default: @log4fleet/probe's runProbe. */
  probe?: ProbeFn;
  /** The handler of each kind; by default the scan handler over scan/processScan/outbox. */
  handlers?: KindHandlers;
  /** Quarantine and release (libs/quarantine); without it those commands fail, saying so. */
  containment?: Omit<ContainmentHandlerDeps, 'outbox'>;
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

/** A kind this executor was built without: its commands fail, saying so. */
function unavailable<K extends 'quarantine' | 'release'>(kind: K): KindHandler<K> {
  return {
    run: () =>
      Promise.reject(new Error(`this agent runs no ${kind} commands (built without containment)`)),
  };
}

/**
 * The one entry point of every command on the agent (handle), kind-neutral: runs the commands
 * the controller sends, each id at most once: a redelivered command
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

  private readonly handlers: KindHandlers;

  constructor(private readonly deps: CommandExecutorDeps) {
    this.now = deps.now ?? Date.now;
    const containment = deps.containment ? { ...deps.containment, outbox: deps.outbox } : undefined;
    this.handlers = deps.handlers ?? {
      scan: new ScanHandler({
        scan: deps.scan,
        processScan: deps.processScan,
        outbox: deps.outbox,
        workDir: deps.workDir,
        workerFile: deps.workerFile,
        onProcessesInspected: deps.onProcessesInspected,
      }),
      quarantine: containment ? new QuarantineHandler(containment) : unavailable('quarantine'),
      release: containment ? new ReleaseHandler(containment) : unavailable('release'),
      probe: new ProbeHandler({ outbox: deps.outbox, probe: deps.probe }),
      fix: new FixHandler({
        outbox: deps.outbox,
        stateDir: deps.stateDir ?? dirname(deps.workDir),
      }),
      restore: new RestoreHandler({
        outbox: deps.outbox,
        stateDir: deps.stateDir ?? dirname(deps.workDir),
      }),
      hunt: new HuntHandler({ outbox: deps.outbox }),
    };
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

  /** The kind's handler runs the command; everything around it (states, cancel, expiry) is here. */
  private async runKind(command: Command, entry: Entry, log: Logger): Promise<number> {
    const kind = command.kind;
    if (!kind) throw new Error('command carries no known kind (agent older than the controller?)');
    const handler = this.handlers[kind.$case] as KindHandler<typeof kind.$case> | undefined;
    if (!handler) throw new Error(`this agent has no handler for ${kind.$case} commands`);
    return handler.run(kind.value, {
      commandId: command.id,
      log,
      signal: entry.abort.signal,
      started: () => this.send(command.id, CommandState.COMMAND_STATE_STARTED),
      writing: () => {
        entry.writing = true;
      },
    });
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

export function updateFromExecuted(entry: ExecutedCommand, atMs: number): CommandUpdate {
  return {
    commandId: entry.id,
    state: AGENT_STATE_WIRE[entry.state],
    message: entry.message,
    atMs,
    totalChunks: entry.totalChunks,
  };
}
