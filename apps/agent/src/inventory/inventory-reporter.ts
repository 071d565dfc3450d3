import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  retryAfterSecondsOf,
  type AgentServiceClient,
  type ReportInventoryRequest,
} from '@log4fleet/contracts';
import type { Logger } from 'pino';
import { reportInventory } from './report-inventory';

export const DEFAULT_INVENTORY_INTERVAL_MS = 6 * 60 * 60 * 1000;
/** How long to hold reports after RESOURCE_EXHAUSTED when the controller names no time. */
export const DEFAULT_RETRY_AFTER_MS = 60 * 60 * 1000;

/** The wait a RESOURCE_EXHAUSTED answer asks for ("retry after N s"), else the default. */
export function retryAfterMs(message: string): number {
  const seconds = retryAfterSecondsOf(message);
  return seconds ? Math.min(seconds, 24 * 3600) * 1000 : DEFAULT_RETRY_AFTER_MS;
}

export interface InventoryReporterDeps {
  client: Pick<AgentServiceClient, 'reportInventory'>;
  metadata: () => Metadata;
  collect: () => Promise<ReportInventoryRequest>;
  log: Logger;
  /** INVENTORY_INTERVAL; default 6 h. */
  intervalMs?: number;
  now?: () => number;
}

/**
 * Sends a fresh snapshot after each (re)connect and every interval. Runs are never concurrent:
 * a trigger during a run is coalesced into one more run. A failed send is only logged: the
 * next connect or interval sends a newer snapshot anyway. When the controller answers
 * RESOURCE_EXHAUSTED (too many reports from this agent), connects send nothing until the time it
 * named: a flapping connection does not turn into a report per reconnect.
 */
export class InventoryReporter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Reports wait until then (ms since epoch) after a RESOURCE_EXHAUSTED answer. */
  private holdUntil = 0;
  private resume: NodeJS.Timeout | undefined;

  constructor(private readonly deps: InventoryReporterDeps) {}

  /** Call when the control stream is (re)established. */
  onConnected(): void {
    if (this.stopped) return;
    this.arm();
    if (this.held()) return;
    this.trigger();
  }

  /**
   * A fresh snapshot now: the controller asked (an operator's refresh), or a scan inspected the
   * running JVMs, which the view of the host shows from the inventory. Coalesced with a report
   * in progress, and held like any report while the controller asked to wait.
   */
  requestNow(reason: string): void {
    if (this.stopped) return;
    if (this.held()) {
      this.deps.log.info(
        { reason, heldUntil: new Date(this.holdUntil).toISOString() },
        'inventory report asked for; held until the controller accepts reports again',
      );
      return;
    }
    this.deps.log.info({ reason }, 'inventory report asked for');
    this.trigger();
  }

  /** True while the controller asked to wait; one report is then planned for the end of the wait. */
  private held(): boolean {
    const waitMs = this.holdUntil - this.now();
    if (waitMs <= 0) return false;
    if (!this.resume) {
      this.resume = setTimeout(() => {
        this.resume = undefined;
        if (!this.stopped) this.trigger();
      }, waitMs);
      this.resume.unref();
    }
    return true;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Resolves when no run is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.resume);
    this.resume = undefined;
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.held()) this.trigger();
    }, this.deps.intervalMs ?? DEFAULT_INVENTORY_INTERVAL_MS);
    this.timer.unref();
  }

  private trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        if (!this.held()) this.trigger();
      }
    });
  }

  private async runOnce(): Promise<void> {
    try {
      const request = await this.deps.collect();
      const res = await reportInventory(this.deps.client, this.deps.metadata(), request);
      this.deps.log.info(
        { snapshotId: res.snapshotId, duplicate: res.duplicate, changes: res.changes },
        'inventory reported',
      );
    } catch (err) {
      if ((err as Partial<ServiceError>).code === status.RESOURCE_EXHAUSTED) {
        const waitMs = retryAfterMs((err as ServiceError).details ?? '');
        this.holdUntil = this.now() + waitMs;
        this.deps.log.warn(
          { err: err instanceof Error ? err.message : String(err), waitS: waitMs / 1000 },
          'controller refused the inventory report for now; holding reports',
        );
        return;
      }
      this.deps.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'inventory report failed; next connect or interval retries',
      );
    }
  }
}
