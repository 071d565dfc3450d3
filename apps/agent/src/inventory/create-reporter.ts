import type { AgentServiceClient } from '@log4fleet/contracts';
import { collectInventory } from '@log4fleet/inventory';
import { probeJvms } from '@log4fleet/jvm-probe';
import type { Logger } from 'pino';
import { agentMetadata } from '../daemon/channel';
import type { Credentials } from '../daemon/credentials';
import { collectSnapshot } from './collect-snapshot';
import { DEFAULT_INVENTORY_INTERVAL_MS, InventoryReporter } from './inventory-reporter';

export interface InventoryReporterOptions {
  client: Pick<AgentServiceClient, 'reportInventory'>;
  credentials: Pick<Credentials, 'agentId' | 'secret'>;
  log: Logger;
  agentVersion: string;
  /** INVENTORY_INTERVAL in ms; default 6 h. */
  intervalMs?: number;
}

/** The daemon's inventory reporter: this host's collectors, the agent's credential, the process's one channel. */
export function createInventoryReporter(opts: InventoryReporterOptions): InventoryReporter {
  return new InventoryReporter({
    client: opts.client,
    metadata: () => agentMetadata(opts.credentials, true),
    collect: () =>
      collectSnapshot({
        collectInventory,
        probeJvms: (o) => probeJvms({ ...o, logger: opts.log }),
        agent: { version: opts.agentVersion },
      }),
    log: opts.log,
    intervalMs: opts.intervalMs,
  });
}

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MIN_INTERVAL_MS = 60_000;

/**
 * INVENTORY_INTERVAL: "6h", "30m", "90s", "1d" or plain seconds; empty means 6 h. Under a minute
 * is refused: every report walks /proc and scans the jars of every running JVM.
 */
export function parseInventoryInterval(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_INVENTORY_INTERVAL_MS;
  const m = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!m) throw new Error(`INVENTORY_INTERVAL "${value}" is not a duration like 6h, 30m or 3600`);
  const ms = Number(m[1]) * UNITS_MS[m[2] || 's'];
  if (ms < MIN_INTERVAL_MS) throw new Error(`INVENTORY_INTERVAL "${value}" is under one minute`);
  return ms;
}
