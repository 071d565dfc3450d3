import path from 'node:path';
import type { Command } from 'commander';
import { makeProcessScanner } from '../scan/process-scan';
import { AGENT_VERSION } from '../version';
import { DEFAULT_BACKOFF } from './backoff';
import { engineScan } from './engine';
import { createLogger } from './logger';
import { loadCredentials } from './credentials';
import type { Logger } from './logger';
import { startDaemon, type RunningDaemon } from './run';
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
/**
 * The controller revoked this agent (replaced by a newer enrollment of this host, or by an
 * admin): restarting cannot help, so the systemd unit does not restart on it
 * (RestartPreventExitStatus=77).
 */
export const EXIT_REVOKED = 77;

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'run the agent daemon: stay connected to the controller, execute its commands, upload results. ' +
        'Exit codes: 0 stopped by a signal, 77 revoked by the controller (enroll again), 78 cannot start',
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
  const stateDir = resolveStateDir(flags.stateDir);
  let stopping: Promise<void> | undefined;
  let current: RunningDaemon | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'stopping');
    stopping ??= current?.stop() ?? Promise.resolve();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  for (;;) {
    const started = await startDaemonFromFlags(flags, stateDir, log);
    if (typeof started === 'number') return started;
    current = started;
    if (stopping) await started.stop();
    await started.done;
    await stopping;
    const revoked = started.revokedReason();
    if (stopping || revoked === undefined) return 0;
    await started.stop();
    // `enroll --force` while the daemon ran: the controller revoked the old identity, and the
    // state directory holds (or is about to hold) the new one.
    if (await enrolledAgain(stateDir, revoked)) {
      log.info({ previousAgentId: started.agentId }, 'enrolled again: restarting as the new agent');
      continue;
    }
    reportRevoked(log, started.agentId, revoked);
    return EXIT_REVOKED;
  }
}

/** How long a replaced agent waits for `enroll --force` to store the successor it was told of. */
const SUCCESSOR_WAIT_MS = 10_000;

/**
 * Whether this state directory now holds the agent that replaced this one. The controller cuts
 * the old agent off as it answers the enrollment, so the new credentials may land a moment later.
 */
async function enrolledAgain(stateDir: string, reason: string): Promise<boolean> {
  const successor = /^replaced by agent ([0-9a-f-]{36})\b/.exec(reason)?.[1];
  if (!successor) return false;
  const deadline = Date.now() + SUCCESSOR_WAIT_MS;
  for (;;) {
    const stored = await loadCredentials(stateDir).catch(() => undefined);
    if (stored?.agentId === successor) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function reportRevoked(log: Logger, agentId: string, reason: string): void {
  const what =
    `the controller revoked agent ${agentId} (${reason}); it stops and will not retry. ` +
    'To bring this host back, enroll it again (log4fleet-agent enroll --force ...: an admin ' +
    'creates a replacement token with POST /api/v1/enrollment-tokens {"replaceHostId": ...} ' +
    'when another agent now holds the host), then start the agent';
  log.error({ agentId, reason, exitCode: EXIT_REVOKED }, what);
  process.stderr.write(`log4fleet-agent run: ${what}\n`);
}

async function startDaemonFromFlags(
  flags: RunFlags,
  stateDir: string,
  log: Logger,
): Promise<RunningDaemon | number> {
  try {
    return await startDaemon({
      stateDir,
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
}

function positive(text: string, flag: string, allowZero = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`bad ${flag} "${text}": expected a positive number`);
  }
  return value;
}
