import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { AgentDaemon } from './agent-daemon';
import type { BackoffOptions } from './backoff';
import { createAgentClient } from './channel';
import { CommandExecutor } from './command-executor';
import { parseControllerUrl } from './controller-url';
import { loadCredentials } from './credentials';
import { ExecutedLog } from './executed-log';
import { collectHostFacts } from './host-facts';
import type { Logger } from './logger';
import { Outbox } from './outbox';
import { acquirePidLock } from './pid-lock';
import type { ScanFn } from './scan-mapping';
import { ensurePrivateDir } from './state-dir';
import { Uploader } from './uploader';
import { CommandVerifier } from '../signing/command-verifier';
import { createInventoryReporter } from '../inventory/create-reporter';
import { Quarantine } from '@log4fleet/quarantine';
import { ContainmentWatch } from '../quarantine/containment-watch';
import type { ProbeFn } from '../probe/probe-handler';

export interface RunOptions {
  stateDir: string;
  log: Logger;
  scan: ScanFn;
  /** Inspection of running JVMs, when this build has it. */
  processScan?: ScanFn;
  /** The canary probe for probe commands; default: @log4fleet/probe's runProbe. */
  probe?: ProbeFn;
  agentVersion: string;
  workerFile?: string;
  /** Overrides the interval the controller gave at enrollment. */
  heartbeatMs?: number;
  reconnectWindowMs: number;
  backoff: BackoffOptions;
  /** How often an inventory snapshot is sent besides each (re)connect. */
  inventoryIntervalMs?: number;
  /** Paths of nft and conntrack for quarantine commands; PATH lookup by default. */
  containmentTools?: { nft?: string; conntrack?: string };
}

export interface RunningDaemon {
  /** The agent it runs as. */
  agentId: string;
  /** Resolves when the daemon stopped: after stop(), or when the controller revoked the agent. */
  done: Promise<void>;
  /** Why the controller revoked this agent (then done resolved and stop() cleans up). */
  revokedReason(): string | undefined;
  /** SIGTERM path: current chunk writes finish, the stream is closed, nothing is lost. */
  stop(): Promise<void>;
}

const DEFAULT_HEARTBEAT_S = 30;

export async function startDaemon(options: RunOptions): Promise<RunningDaemon> {
  const { stateDir, log } = options;
  const credentials = await loadCredentials(stateDir);
  const address = parseControllerUrl(credentials.controllerUrl);
  await ensurePrivateDir(stateDir);
  const releaseLock = await acquirePidLock(stateDir);
  const workDir = path.join(stateDir, 'work');
  // Spools of scans a killed process left behind: those commands were not recorded as
  // executed, so the controller delivers them again and they start over.
  await fsp.rm(workDir, { recursive: true, force: true });
  const outbox = await Outbox.open(stateDir);
  const executed = await ExecutedLog.open(stateDir);
  if (executed.skipped > 0)
    log.warn({ skipped: executed.skipped }, 'executed-command log entries left out: not valid');
  // The one channel of this process's life (TOOLCHAIN.md: recreating channels leaks connections).
  const client = createAgentClient(address, credentials.tls);
  const uploader = new Uploader({
    client,
    outbox,
    credentials,
    log: log.child({ part: 'uploader' }),
    backoff: options.backoff,
  });
  // The executor reports through the daemon, which needs the executor: bound late.
  const control: { daemon?: AgentDaemon } = {};
  // Containment (libs/quarantine): its desired state lives in the state directory.
  const quarantine = new Quarantine({ stateDir, tools: options.containmentTools });
  const heartbeatMs =
    options.heartbeatMs ?? (credentials.heartbeatIntervalS || DEFAULT_HEARTBEAT_S) * 1000;
  const executor = new CommandExecutor({
    scan: options.scan,
    processScan: options.processScan,
    probe: options.probe,
    outbox,
    executed,
    workDir,
    stateDir,
    log: log.child({ part: 'executor' }),
    report: (update) => control.daemon?.report(update),
    workerFile: options.workerFile,
    // The host's view of running JVMs comes from the inventory: refreshed by such a scan.
    onProcessesInspected: () => inventory.requestNow('a scan inspected the running processes'),
    containment: {
      quarantine,
      controller: address,
      roundTrip: (signal) => {
        if (!control.daemon) return Promise.reject(new Error('the daemon is not started'));
        return control.daemon.roundTrip(signal);
      },
    },
  });
  outbox.onPut(() => uploader.wake());
  const containmentWatch = new ContainmentWatch({
    quarantine,
    report: (report) => control.daemon?.reportContainment(report),
    log: log.child({ part: 'containment' }),
    intervalMs: heartbeatMs,
  });
  const inventory = createInventoryReporter({
    client,
    credentials,
    log: log.child({ part: 'inventory' }),
    agentVersion: options.agentVersion,
    intervalMs: options.inventoryIntervalMs,
  });
  const daemon = new AgentDaemon({
    client,
    credentials,
    executor,
    verifier: new CommandVerifier({ stateDir, credentials, log: log.child({ part: 'signing' }) }),
    executed,
    uploader,
    outbox,
    log: log.child({ part: 'control' }),
    agentVersion: options.agentVersion,
    hostFacts: await collectHostFacts(process.env, credentials.instance),
    heartbeatMs,
    reconnectWindowMs: options.reconnectWindowMs,
    backoff: options.backoff,
    onConnected: () => inventory.onConnected(),
    onInventoryRequested: (requestId) => inventory.requestNow(`controller request ${requestId}`),
  });
  log.info(
    {
      controller: address.target,
      agentId: credentials.agentId,
      stateDir,
      outboxChunks: await outbox.count(),
      heartbeatMs,
    },
    'agent daemon starting',
  );
  control.daemon = daemon;
  // Before the first stream: a quarantine that a reboot or someone removed is back first.
  await containmentWatch.start();
  uploader.start();
  const done = daemon.run();
  let stopped: Promise<void> | undefined;
  return {
    agentId: credentials.agentId,
    done,
    revokedReason: () => daemon.revokedReason,
    // Once, whoever asks first (a signal, or the agent's revocation).
    stop: () =>
      (stopped ??= (async () => {
        await executor.shutdown();
        containmentWatch.stop();
        daemon.shutdown();
        inventory.stop();
        await uploader.close();
        await done;
        client.close();
        await releaseLock();
        log.info('agent daemon stopped');
      })()),
  };
}
