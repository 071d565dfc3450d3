import type { Metadata } from '@grpc/grpc-js';
import type { AgentServiceClient, ReportInventoryRequest } from '@log4fleet/contracts';
import type { Logger } from 'pino';
import { reportInventory } from './report-inventory';

export const DEFAULT_INVENTORY_INTERVAL_MS = 6 * 60 * 60 * 1000;

export interface InventoryReporterDeps {
  client: Pick<AgentServiceClient, 'reportInventory'>;
  metadata: () => Metadata;
  collect: () => Promise<ReportInventoryRequest>;
  log: Logger;
  /** INVENTORY_INTERVAL; default 6 h. */
  intervalMs?: number;
}

/**
 * Sends a fresh snapshot after each (re)connect and every interval. Runs are never concurrent:
 * a trigger during a run is coalesced into one more run. A failed send is only logged: the
 * next connect or interval sends a newer snapshot anyway.
 */
export class InventoryReporter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly deps: InventoryReporterDeps) {}

  /** Call when the control stream is (re)established. */
  onConnected(): void {
    if (this.stopped) return;
    this.arm();
    this.trigger();
  }

  /** Resolves when no run is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => this.trigger(),
      this.deps.intervalMs ?? DEFAULT_INVENTORY_INTERVAL_MS,
    );
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
        this.trigger();
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
      this.deps.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'inventory report failed; next connect or interval retries',
      );
    }
  }
}
