import path from 'node:path';
import type { Command } from 'commander';
import { makeProcessScanner } from '../scan/process-scan';
import { AGENT_VERSION } from '../version';
import { DEFAULT_BACKOFF } from './backoff';
import { engineScan } from './engine';
import { createLogger } from './logger';
import { startDaemon } from './run';
import { parseInventoryInterval } from '../inventory/create-reporter';
import { errorMessage, resolveStateDir } from './state-dir';

interface RunFlags {
  stateDir?: string;
  logFile?: string;
  logLevel: string;
  heartbeatInterval?: string;
  reconnectWindowMs: string;
  backoffInitialMs: string;
  backoffMaxMs: string;
  inventoryInterval?: string;
}

const EXIT_CONFIG = 78;

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'run the agent daemon: stay connected to the controller, execute its commands, upload results',
    )
    .option(
      '--state-dir <dir>',
      'state directory (env LOG4FLEET_STATE_DIR, default /var/lib/log4fleet-agent)',
    )
    .option('--log-file <file>', 'write JSON log lines here instead of stderr')
    .option('--log-level <level>', 'trace, debug, info, warn, error', 'info')
    .option(
      '--heartbeat-interval <seconds>',
      'override the heartbeat interval the controller gave at enrollment',
    )
    .option(
      '--reconnect-window-ms <ms>',
      'after losing a working stream, first reconnect waits U(0, this)',
      '10000',
    )
    .option(
      '--backoff-initial-ms <ms>',
      'first retry ceiling when reconnects fail',
      String(DEFAULT_BACKOFF.initialMs),
    )
    .option('--backoff-max-ms <ms>', 'retry ceiling cap', String(DEFAULT_BACKOFF.maxMs))
    .option(
      '--inventory-interval <duration>',
      'how often to send a host inventory snapshot besides each connect, e.g. 6h, 30m (env INVENTORY_INTERVAL, default 6h)',
    )
    .action(async (flags: RunFlags) => {
      // Exit explicitly: a scan engine that ignores the abort must not keep the process up.
      process.exit(await runDaemonCommand(flags));
    });
}

async function runDaemonCommand(flags: RunFlags): Promise<number> {
  const log = createLogger({ level: flags.logLevel, logFile: flags.logFile });
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon({
      stateDir: resolveStateDir(flags.stateDir),
      log,
      scan: engineScan(),
      processScan: makeProcessScanner((note) => log.info({ note }, 'running JVM note')),
      agentVersion: AGENT_VERSION,
      // The bundle ships the scanner's worker entry beside main.js (apps/agent/build.mjs).
      workerFile: path.join(__dirname, 'scan-worker.js'),
      heartbeatMs: flags.heartbeatInterval
        ? positive(flags.heartbeatInterval, '--heartbeat-interval') * 1000
        : undefined,
      reconnectWindowMs: positive(flags.reconnectWindowMs, '--reconnect-window-ms', true),
      backoff: {
        initialMs: positive(flags.backoffInitialMs, '--backoff-initial-ms'),
        maxMs: positive(flags.backoffMaxMs, '--backoff-max-ms'),
      },
      inventoryIntervalMs: parseInventoryInterval(
        flags.inventoryInterval ?? process.env['INVENTORY_INTERVAL'],
      ),
    });
  } catch (err) {
    log.error({ err: errorMessage(err) }, 'agent daemon cannot start');
    process.stderr.write(`log4fleet-agent run: ${errorMessage(err)}\n`);
    return EXIT_CONFIG;
  }
  let stopping: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'stopping');
    stopping ??= daemon.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await daemon.done;
  await stopping;
  return 0;
}

function positive(text: string, flag: string, allowZero = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`bad ${flag} "${text}": expected a positive number`);
  }
  return value;
}
