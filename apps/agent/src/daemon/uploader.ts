import { status, type ServiceError } from '@grpc/grpc-js';
import {
  UPLOAD_REFUSED_FOR_GOOD,
  type AgentServiceClient,
  type UploadResultsRequest,
  type UploadResultsResponse,
} from '@log4fleet/contracts';
import { Backoff, DEFAULT_BACKOFF, sleep, type BackoffOptions } from './backoff';
import { agentMetadata } from './channel';
import type { Credentials } from './credentials';
import type { Logger } from './logger';
import { UnreadableChunkError, type Outbox, type OutboxEntry } from './outbox';
import { errorMessage } from './state-dir';

export interface UploaderDeps {
  client: AgentServiceClient;
  outbox: Outbox;
  credentials: Pick<Credentials, 'agentId' | 'secret'>;
  log: Logger;
  backoff?: BackoffOptions;
  /** Per chunk; the call waits for the channel (waitForReady) up to this long. */
  callTimeoutMs?: number;
}

/** Statuses after which sending the same bytes again cannot succeed (libs/contracts). */
const PERMANENT = UPLOAD_REFUSED_FOR_GOOD;

/**
 * Drains the outbox one chunk at a time: a chunk file is deleted only after the
 * controller answered for it (stored or duplicate); while the controller is away it backs
 * off and keeps the chunk. Starts with whatever the outbox holds from a previous run.
 */
export class Uploader {
  private readonly stop = new AbortController();
  private readonly backoff: Backoff;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private loop: Promise<void> | undefined;
  private inflight: { cancel(): void } | undefined;
  uploaded = 0;

  constructor(private readonly deps: UploaderDeps) {
    this.backoff = new Backoff(deps.backoff ?? DEFAULT_BACKOFF);
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run().catch((err: unknown) => {
      this.deps.log.error({ err: errorMessage(err) }, 'uploader stopped on an unexpected error');
    });
  }

  /** New chunks arrived, or the controller is back: try now instead of after the backoff. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  async close(): Promise<void> {
    this.stop.abort();
    this.inflight?.cancel();
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      this.pendingWake = false;
      const entries = await this.deps.outbox.list();
      if (entries.length === 0) {
        await this.idle(undefined);
        continue;
      }
      const delay = await this.drain(entries);
      if (delay !== undefined) await this.idle(delay);
    }
  }

  /** Uploads `entries` in order; returns a backoff delay when the controller did not answer. */
  private async drain(entries: OutboxEntry[]): Promise<number | undefined> {
    for (const entry of entries) {
      if (this.stop.signal.aborted) return undefined;
      const chunk = await this.readOrSetAside(entry);
      if (!chunk) continue;
      const outcome = await this.send(entry, chunk);
      if (outcome === 'retry') return this.backoff.nextDelayMs();
      this.backoff.reset();
    }
    return undefined;
  }

  /** The chunk; a file that holds no readable chunk is moved aside (it would block the rest). */
  private async readOrSetAside(entry: OutboxEntry): Promise<UploadResultsRequest | undefined> {
    try {
      return await this.deps.outbox.read(entry);
    } catch (err) {
      if (!(err instanceof UnreadableChunkError)) throw err;
      const movedTo = await this.deps.outbox.reject(entry);
      this.deps.log.error(
        { commandId: entry.commandId, sequence: entry.sequence, err: err.message, movedTo },
        'outbox file holds no readable result chunk; set aside',
      );
      return undefined;
    }
  }

  private async send(entry: OutboxEntry, chunk: UploadResultsRequest): Promise<'done' | 'retry'> {
    const log = this.deps.log.child({
      commandId: entry.commandId,
      sequence: entry.sequence,
      totalChunks: chunk.totalChunks,
    });
    try {
      const response = await this.call(chunk);
      await this.deps.outbox.acknowledge(entry);
      this.uploaded += 1;
      log.info(
        { duplicate: response.duplicate, complete: response.complete },
        'result chunk delivered',
      );
      return 'done';
    } catch (err) {
      if (this.stop.signal.aborted) return 'retry';
      const code = (err as Partial<ServiceError>).code;
      if (code !== undefined && PERMANENT.has(code)) {
        const movedTo = await this.deps.outbox.reject(entry);
        log.error(
          { code: status[code], err: errorMessage(err), movedTo },
          'controller refused result chunk for good; set aside',
        );
        return 'done';
      }
      log.warn(
        { code: code === undefined ? undefined : status[code], err: errorMessage(err) },
        'result upload failed; will retry',
      );
      return 'retry';
    }
  }

  private call(chunk: UploadResultsRequest): Promise<UploadResultsResponse> {
    const deadline = new Date(Date.now() + (this.deps.callTimeoutMs ?? 60_000));
    return new Promise((resolve, reject) => {
      this.inflight = this.deps.client.uploadResults(
        chunk,
        agentMetadata(this.deps.credentials, true),
        { deadline },
        (err: ServiceError | null, response: UploadResultsResponse) => {
          this.inflight = undefined;
          if (err) reject(err);
          else resolve(response);
        },
      );
    });
  }

  /** Waits for wake(), close() or `ms` (forever when undefined). */
  private async idle(ms: number | undefined): Promise<void> {
    if (this.pendingWake || this.stop.signal.aborted) return;
    const woken = new Promise<void>((resolve) => {
      this.wakeUp = resolve;
    });
    await (ms === undefined ? woken : Promise.race([woken, sleep(ms, this.stop.signal)]));
    this.wakeUp = undefined;
  }
}
