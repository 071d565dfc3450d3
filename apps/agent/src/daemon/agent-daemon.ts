import type { ClientDuplexStream, Metadata, ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import {
  AGENT_REVOKED_TRAILER,
  CommandState,
  type AgentMessage,
  type AgentServiceClient,
  type CommandUpdate,
  type ControllerMessage,
  type HostFacts,
} from '@log4fleet/contracts';
import { Backoff, DEFAULT_BACKOFF, sleep, spreadDelayMs, type BackoffOptions } from './backoff';
import { agentMetadata, openControlStream } from './channel';
import { invalidIdMessage, isCommandId } from './command-id';
import { updateFromExecuted, type CommandExecutor } from './command-executor';
import type { ReceivedMessage, UndecodableMessage } from './controller-message';
import type { ExecutedLog } from './executed-log';
import { errorMessage } from './state-dir';
import type { Credentials } from './credentials';
import type { Logger } from './logger';
import type { Outbox } from './outbox';
import type { Uploader } from './uploader';
import type { CommandVerifier } from '../signing/command-verifier';

export interface AgentDaemonDeps {
  client: AgentServiceClient;
  credentials: Pick<Credentials, 'agentId' | 'secret'>;
  executor: CommandExecutor;
  /** Refuses commands not signed for this agent by its pinned key; follows key rotations. */
  verifier: CommandVerifier;
  executed: ExecutedLog;
  uploader: Uploader;
  outbox: Outbox;
  log: Logger;
  agentVersion: string;
  hostFacts: HostFacts;
  heartbeatMs: number;
  /** W: after a working stream is lost, the first reconnect waits U(0, W). */
  reconnectWindowMs: number;
  backoff?: BackoffOptions;
  /** Called each time a control stream is established (e.g. to send an inventory snapshot). */
  onConnected?: () => void;
  /** The controller asked for a fresh inventory snapshot now. */
  onInventoryRequested?: (requestId: string) => void;
}

/** Updates kept while disconnected; beyond that the oldest go (redelivery re-acks them). */
const MAX_QUEUED_UPDATES = 1000;

const FINAL_STATES: ReadonlySet<CommandState> = new Set([
  CommandState.COMMAND_STATE_SUCCEEDED,
  CommandState.COMMAND_STATE_FAILED,
  CommandState.COMMAND_STATE_EXPIRED,
  CommandState.COMMAND_STATE_CANCELLED,
]);

type Stream = ClientDuplexStream<AgentMessage, ReceivedMessage>;

/**
 * The control plane: one Connect stream at a time on the process's one channel. Sends
 * Hello then heartbeats, hands commands to the executor, and reconnects with backoff:
 * after a stream that worked, U(0, W) so that a fleet losing its controller at once comes
 * back spread out; after failed attempts, exponential backoff with full jitter.
 */
export class AgentDaemon {
  private readonly stop = new AbortController();
  private readonly backoff: Backoff;
  private readonly startedAtMs = Date.now();
  private stream: Stream | undefined;
  private established = false;
  /** Progress updates (delivered, started) written while no stream was open. */
  private readonly queuedUpdates: CommandUpdate[] = [];
  /**
   * Final updates the controller has not confirmed. A write to a stream that then dies is
   * lost without an error, and the controller redelivers only commands it believes
   * undelivered: a "started" command whose "succeeded" was lost would stay started
   * forever. They are written again on every new stream until confirmed.
   */
  private readonly unconfirmed = new Map<string, CommandUpdate>();
  /**
   * Final updates written before each heartbeat in flight, oldest first. The controller
   * handles a stream's messages in order and acks each heartbeat, so the ack of a
   * heartbeat confirms every update written before it.
   */
  private heartbeatsInFlight: string[][] = [];
  private writtenSinceHeartbeat: string[] = [];
  sessions = 0;
  /** Why the controller revoked this agent; set, the daemon has stopped for good. */
  revokedReason: string | undefined;

  constructor(private readonly deps: AgentDaemonDeps) {
    this.backoff = new Backoff(deps.backoff ?? DEFAULT_BACKOFF);
    for (const entry of deps.executed.unconfirmed())
      this.remember(updateFromExecuted(entry, entry.atMs));
  }

  /** Sends now when a stream is open, else keeps it for the next stream. */
  report(update: CommandUpdate): void {
    const final = FINAL_STATES.has(update.state);
    if (final) this.remember(update);
    if (this.established && this.writeUpdate(update)) {
      // Ask for a confirmation now rather than at the next heartbeat.
      if (final) void this.sendHeartbeat();
      return;
    }
    if (final) return;
    this.queuedUpdates.push(update);
    if (this.queuedUpdates.length > MAX_QUEUED_UPDATES) this.queuedUpdates.shift();
  }

  private remember(update: CommandUpdate): void {
    this.unconfirmed.delete(update.commandId);
    this.unconfirmed.set(update.commandId, update);
    for (const id of this.unconfirmed.keys()) {
      if (this.unconfirmed.size <= MAX_QUEUED_UPDATES) break;
      this.unconfirmed.delete(id);
    }
  }

  private writeUpdate(update: CommandUpdate): boolean {
    if (!this.write({ kind: { $case: 'update', value: update } })) return false;
    if (FINAL_STATES.has(update.state)) this.writtenSinceHeartbeat.push(update.commandId);
    return true;
  }

  private onHeartbeatAck(): void {
    const confirmed = (this.heartbeatsInFlight.shift() ?? []).filter((id) =>
      this.unconfirmed.delete(id),
    );
    if (confirmed.length === 0) return;
    this.deps.executed.confirm(confirmed).catch((err: unknown) => {
      this.deps.log.warn(
        { err: errorMessage(err) },
        'cannot record confirmed commands; their outcome will be sent again',
      );
    });
  }

  /** Runs until stop(); resolves once the stream is closed. */
  async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      const worked = await this.session();
      if (this.stop.signal.aborted) break;
      if (worked) this.backoff.reset();
      const delay = worked
        ? spreadDelayMs(this.deps.reconnectWindowMs)
        : this.backoff.nextDelayMs();
      this.deps.log.info({ delayMs: delay, afterWorkingStream: worked }, 'reconnecting');
      await sleep(delay, this.stop.signal);
    }
  }

  shutdown(): void {
    this.stop.abort();
    const stream = this.stream;
    if (!stream) return;
    stream.end();
    // Half-closing lets the controller finish cleanly; do not wait on it at shutdown.
    setTimeout(() => stream.cancel(), 1000).unref();
  }

  /** One Connect stream; resolves true when the controller answered on it before it ended. */
  private session(): Promise<boolean> {
    this.sessions += 1;
    this.established = false;
    // Acks of the previous stream will never come; what it carried is re-sent on this one.
    this.heartbeatsInFlight = [];
    this.writtenSinceHeartbeat = [];
    const stream = openControlStream(this.deps.client, agentMetadata(this.deps.credentials, true));
    this.stream = stream;
    const log = this.deps.log.child({ session: this.sessions });
    let heartbeat: NodeJS.Timeout | undefined;
    return new Promise<boolean>((resolve) => {
      let ended = false;
      const end = (reason: string, code?: status, trailers?: Metadata): void => {
        if (ended) return;
        ended = true;
        this.noteRevocation(code, trailers);
        clearInterval(heartbeat);
        this.stream = undefined;
        const level = this.stop.signal.aborted ? 'info' : 'warn';
        log[level](
          { code: code === undefined ? undefined : status[code], reason },
          'control stream ended',
        );
        resolve(this.established);
      };
      stream.on('metadata', () => this.onEstablished(log));
      stream.on('data', (received: ReceivedMessage) => {
        this.onEstablished(log);
        if ('decoded' in received) this.onMessage(received.decoded, log);
        else this.onUndecodable(received.undecodable, log);
      });
      stream.on('error', (err: ServiceError) =>
        end(err.details || err.message, err.code, err.metadata),
      );
      stream.on('status', (s: { code: status; details: string; metadata?: Metadata }) =>
        end(s.details || 'closed by controller', s.code, s.metadata),
      );
      stream.on('end', () => end('closed by controller'));
      this.write({
        kind: {
          $case: 'hello',
          value: {
            agentVersion: this.deps.agentVersion,
            startedAtMs: this.startedAtMs,
            host: this.deps.hostFacts,
          },
        },
      });
      // A first heartbeat right away: its ack tells that the controller accepted the stream.
      void this.sendHeartbeat();
      heartbeat = setInterval(() => void this.sendHeartbeat(), this.deps.heartbeatMs);
    });
  }

  /** A revoked agent cannot get back in by retrying: the daemon stops (run() resolves). */
  private noteRevocation(code: status | undefined, trailers: Metadata | undefined): void {
    const reason = trailers?.get(AGENT_REVOKED_TRAILER)[0];
    if (code !== status.PERMISSION_DENIED || reason === undefined) return;
    this.revokedReason = String(reason) || 'revoked';
    this.stop.abort();
  }

  private onEstablished(log: Logger): void {
    if (this.established) return;
    this.established = true;
    this.backoff.reset();
    log.info(
      { queuedUpdates: this.queuedUpdates.length, unconfirmed: this.unconfirmed.size },
      'control stream connected',
    );
    for (const update of this.queuedUpdates.splice(0)) this.writeUpdate(update);
    for (const update of this.unconfirmed.values()) this.writeUpdate(update);
    if (this.unconfirmed.size > 0) void this.sendHeartbeat();
    // The controller is back: results waiting in the outbox need not wait for a backoff.
    this.deps.uploader.wake();
    this.deps.onConnected?.();
  }

  private onMessage(message: ControllerMessage, log: Logger): void {
    const kind = message.kind;
    if (!kind) {
      log.warn('controller message of an unknown kind ignored (controller newer than agent?)');
      return;
    }
    switch (kind.$case) {
      case 'heartbeatAck':
        this.onHeartbeatAck();
        return;
      case 'command':
        // Ids are checked as they arrive: one becomes a directory name in the state directory.
        if (!isCommandId(kind.value.id)) {
          log.error({ commandId: kind.value.id }, invalidIdMessage('command id', kind.value.id));
          return;
        }
        log.info({ commandId: kind.value.id, kind: kind.value.kind?.$case }, 'command received');
        {
          const refusal = this.deps.verifier.check(kind.value);
          if (refusal !== null) void this.deps.executor.refuse(kind.value.id, refusal);
          else this.deps.executor.handle(kind.value);
        }
        return;
      case 'signingKeys':
        void this.deps.verifier.acceptKeys(kind.value);
        return;
      case 'inventoryRequest':
        log.info({ requestId: kind.value.requestId }, 'inventory requested by the controller');
        this.deps.onInventoryRequested?.(kind.value.requestId);
        return;
      case 'cancel': {
        if (!isCommandId(kind.value.commandId)) {
          const id = kind.value.commandId;
          log.error({ commandId: id }, invalidIdMessage('cancel of command id', id));
          return;
        }
        const cancelled = this.deps.executor.cancel(kind.value.commandId);
        log.info({ commandId: kind.value.commandId, cancelled }, 'cancel received');
        return;
      }
    }
  }

  /** A command the agent cannot decode fails alone (when its id is one); the stream goes on. */
  private onUndecodable(message: UndecodableMessage, log: Logger): void {
    const { kind, commandId, reason } = message;
    log.error({ kind, commandId, reason }, 'controller message cannot be decoded');
    // An ack's only use is that it came (its server time is not read): it confirms all the same.
    if (kind === 'heartbeat_ack') this.onHeartbeatAck();
    if (kind === 'command' && commandId !== undefined) {
      void this.deps.executor.refuse(commandId, `command cannot be decoded: ${reason}`);
    }
  }

  private async sendHeartbeat(): Promise<void> {
    const outboxChunks = await this.deps.outbox.count();
    const sent = this.write({
      kind: {
        $case: 'heartbeat',
        value: {
          sentAtMs: Date.now(),
          runningCommands: this.deps.executor.runningCount,
          outboxChunks,
        },
      },
    });
    if (sent) this.heartbeatsInFlight.push(this.writtenSinceHeartbeat.splice(0));
  }

  private write(message: AgentMessage): boolean {
    const stream = this.stream;
    if (!stream || stream.destroyed || stream.writableEnded) return false;
    stream.write(message);
    return true;
  }
}
