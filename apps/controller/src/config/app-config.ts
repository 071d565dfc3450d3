import { existsSync } from 'node:fs';
import { readCommandSigning, type CommandSigningConfig } from '../signing/signing-config';

/**
 * SQLite's `synchronous` pragma in WAL mode: 'normal' (default) syncs the WAL at checkpoints, so a
 * controller crash loses nothing and a power loss may roll back the last commits; 'full' syncs
 * every commit (about 0.4 ms each here, on the event loop, since better-sqlite3 is synchronous).
 */
export type SqliteSynchronous = 'normal' | 'full';
export type DatabaseConfig =
  | { type: 'sqlite'; path: string; synchronous?: SqliteSynchronous }
  | { type: 'postgres'; url: string };

export interface GrpcConfig {
  host: string;
  port: number;
  tls?: { certPath: string; keyPath: string };
  insecure: boolean;
  maxStreams: number;
  /** Listen backlog of the gRPC socket (capped by net.core.somaxconn): a reconnect storm's handshakes wait there. */
  listenBacklog: number;
  maxReceiveBytes: number;
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  maxConnectionIdleMs: number;
}

/** What one agent may make the controller store, and how long bulk data is kept (M5). */
export interface AgentLimitsConfig {
  /** ReportInventory calls stored per agent in any hour (back to back: the burst); more get RESOURCE_EXHAUSTED. */
  inventoryReportsPerHour: number;
  /** Largest total_chunks of one command's results. */
  maxChunksPerCommand: number;
  /** Bytes of one command's stored result chunks above which more are refused and the command fails. */
  maxBytesPerCommand: number;
  /** Bytes of result chunks one agent may upload in any hour; past it uploads get RESOURCE_EXHAUSTED (retried later). */
  maxBytesPerAgentHour: number;
  /** Inventory snapshots always kept per host (the newest); older ones go once past inventoryRetentionDays. */
  inventoryKeepSnapshots: number;
  inventoryRetentionDays: number;
  /** Days after ingestion when a result chunk's raw bytes are dropped (its row and counts stay). */
  resultPayloadRetentionDays: number;
  /** How often the retention job runs. */
  retentionEveryS: number;
}

export interface AppConfig {
  http: { host: string; port: number };
  grpc: GrpcConfig;
  database: DatabaseConfig;
  redisUrl: string;
  adminToken?: string;
  heartbeatIntervalS: number;
  commandTtlS: number;
  /** Uploads are refused with RESOURCE_EXHAUSTED (agents keep them in their outbox) while more result chunks than this wait for ingestion. */
  ingestMaxWaiting: number;
  /** Bytes of result uploads being stored at once above which more are refused (RESOURCE_EXHAUSTED). */
  uploadMaxInflightBytes: number;
  limits: AgentLimitsConfig;
  /**
   * What the verification rescan after a remediation or a quarantine scans
   * (VERIFICATION_SCAN_PATHS, comma-separated absolute paths); absent: the scan's default, "/".
   */
  verificationScanPaths?: string[];
  /**
   * The optional policy of issue 15 (AUTO_QUARANTINE): when a scan makes a host `vulnerable`,
   * quarantine it in this mode (quarantine/auto-quarantine.service.ts); 'off' (the default): never.
   */
  autoQuarantine: AutoQuarantine;
  logLevel: LogLevel;
  /** "worker" runs the queues only (no REST, no gRPC); "all" runs everything. */
  role: 'all' | 'worker';
  /** Queue settings given in the environment; the others take QUEUE_DEFAULTS (queue-config.ts). */
  queues: QueueEnvSettings;
  /** The fleet's command-signing key: generated and kept in the database, or given as a file. */
  commandSigning: CommandSigningConfig;
}

export interface QueueEnvSettings {
  prefix?: string;
  runWorkers?: boolean;
  monitorEveryMs?: number;
  clusterHeartbeatMs?: number;
  lockDurationMs?: number;
  reconcileEveryMs?: number;
}

export const AUTO_QUARANTINE = ['off', 'isolate', 'egress-block'] as const;
export type AutoQuarantine = (typeof AUTO_QUARANTINE)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

type Env = Record<string, string | undefined>;

const MB = 1024 * 1024;

/**
 * Reads and validates the environment (and main.js's command line: `--role worker`) once; the
 * only place that looks at process.env values.
 */
export function loadConfig(env: Env, argv: readonly string[] = []): AppConfig {
  const problems: string[] = [];
  const readPort = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      problems.push(`${name} must be a port number 0-65535, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const readInt = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer ${min}-${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };

  const config: AppConfig = {
    http: { host: env.HTTP_HOST || '127.0.0.1', port: readPort('HTTP_PORT', 8080) },
    grpc: {
      host: env.GRPC_HOST || '0.0.0.0',
      port: readPort('GRPC_PORT', 50051),
      tls: readTls(env, problems),
      insecure: env.GRPC_INSECURE === '1',
      maxStreams: readInt('MAX_AGENT_STREAMS', 15000, 1, 1_000_000),
      listenBacklog: readInt('GRPC_LISTEN_BACKLOG', 4096, 1, 65_535),
      maxReceiveBytes: 4 * MB,
      // TOOLCHAIN.md: keepalive 60 s held 10,000 agents; idle 30-60 s removes orphan connections.
      keepaliveTimeMs: readInt('GRPC_KEEPALIVE_MS', 60_000, 1_000, 3_600_000),
      keepaliveTimeoutMs: 20_000,
      maxConnectionIdleMs: readInt('GRPC_MAX_CONNECTION_IDLE_MS', 60_000, 1_000, 3_600_000),
    },
    database: readDatabase(env, problems),
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    adminToken: env.LOG4FLEET_ADMIN_TOKEN || undefined,
    heartbeatIntervalS: readInt('HEARTBEAT_INTERVAL_S', 30, 1, 3600),
    commandTtlS: readInt('COMMAND_TTL_S', 86_400, 60, 30 * 86_400),
    ingestMaxWaiting: readInt('INGEST_MAX_WAITING', 5000, 0, 10_000_000),
    uploadMaxInflightBytes: readInt('UPLOAD_MAX_INFLIGHT_MB', 64, 1, 4096) * 1024 * 1024,
    limits: {
      inventoryReportsPerHour: readInt('INVENTORY_REPORTS_PER_HOUR', 6, 1, 3600),
      // The wire's own bound (message-validation LIMITS.totalChunks) is 100,000.
      maxChunksPerCommand: readInt('RESULT_MAX_CHUNKS_PER_COMMAND', 10_000, 1, 100_000),
      maxBytesPerCommand: readInt('RESULT_MAX_MB_PER_COMMAND', 512, 1, 1_048_576) * MB,
      maxBytesPerAgentHour: readInt('RESULT_MAX_MB_PER_AGENT_HOUR', 1024, 1, 1_048_576) * MB,
      inventoryKeepSnapshots: readInt('INVENTORY_KEEP_SNAPSHOTS', 100, 1, 1_000_000),
      inventoryRetentionDays: readInt('INVENTORY_RETENTION_DAYS', 90, 1, 36_500),
      resultPayloadRetentionDays: readInt('RESULT_PAYLOAD_RETENTION_DAYS', 30, 1, 36_500),
      retentionEveryS: readInt('RETENTION_EVERY_S', 3600, 60, 7 * 86_400),
    },
    ...readVerificationScanPaths(env.VERIFICATION_SCAN_PATHS, problems),
    autoQuarantine: readAutoQuarantine(env.AUTO_QUARANTINE, problems),
    logLevel: readLogLevel(env.LOG_LEVEL, problems),
    role: readRole(roleArgument(argv, problems) ?? env.ROLE, problems),
    queues: {},
    commandSigning: readCommandSigning(env, problems),
  };
  const optionalInt = (name: string, min: number, max: number): number | undefined =>
    env[name] === undefined || env[name] === '' ? undefined : readInt(name, min, min, max);
  const queues: QueueEnvSettings = {
    prefix: readQueuePrefix(env.QUEUE_PREFIX, problems),
    runWorkers: readRunWorkers(env.RUN_WORKERS, problems),
    monitorEveryMs: optionalInt('CAMPAIGN_MONITOR_MS', 100, 3_600_000),
    clusterHeartbeatMs: optionalInt('CLUSTER_HEARTBEAT_MS', 100, 600_000),
    lockDurationMs: optionalInt('JOB_LOCK_MS', 1_000, 3_600_000),
    reconcileEveryMs: optionalInt('SCHEDULER_CHECK_MS', 100, 3_600_000),
  };
  config.queues = Object.fromEntries(
    Object.entries(queues).filter(([, value]) => value !== undefined),
  );

  // A worker serves no agents, so it needs no gRPC transport settings.
  if (config.role === 'all' && !config.grpc.tls && !config.grpc.insecure) {
    problems.push(
      'gRPC needs TLS: set GRPC_TLS_CERT and GRPC_TLS_KEY, or GRPC_INSECURE=1 to accept plaintext explicitly',
    );
  }
  if (config.database.type === 'postgres' && !/^postgres(ql)?:\/\//.test(config.database.url)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }
  if (!/^rediss?:\/\//.test(config.redisUrl))
    problems.push('REDIS_URL must start with redis:// or rediss://');
  if (
    config.adminToken !== undefined &&
    !/^l4f_[a-z0-9]{8,32}_[A-Za-z0-9]{32,128}$/.test(config.adminToken)
  ) {
    problems.push(
      'LOG4FLEET_ADMIN_TOKEN must look like l4f_<8-32 lowercase alphanumerics>_<32-128 alphanumerics>',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function readTls(env: Env, problems: string[]): GrpcConfig['tls'] {
  const certPath = env.GRPC_TLS_CERT;
  const keyPath = env.GRPC_TLS_KEY;
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) {
    problems.push('GRPC_TLS_CERT and GRPC_TLS_KEY must be set together');
    return undefined;
  }
  for (const [name, path] of [
    ['GRPC_TLS_CERT', certPath],
    ['GRPC_TLS_KEY', keyPath],
  ] as const) {
    if (!existsSync(path)) problems.push(`${name} points to a missing file: ${path}`);
  }
  return { certPath, keyPath };
}

function readDatabase(env: Env, problems: string[]): DatabaseConfig {
  if (env.DATABASE_URL) return { type: 'postgres', url: env.DATABASE_URL };
  const raw = (env.SQLITE_SYNCHRONOUS || 'normal').toLowerCase();
  if (raw !== 'normal' && raw !== 'full')
    problems.push(`SQLITE_SYNCHRONOUS must be normal or full, got "${env.SQLITE_SYNCHRONOUS}"`);
  return {
    type: 'sqlite',
    path: env.SQLITE_PATH || './.log4fleet/controller.sqlite',
    synchronous: raw === 'full' ? 'full' : 'normal',
  };
}

function readLogLevel(raw: string | undefined, problems: string[]): LogLevel {
  if (!raw) return 'info';
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return level ?? 'info';
}

function readAutoQuarantine(raw: string | undefined, problems: string[]): AutoQuarantine {
  if (raw === undefined || raw === '') return 'off';
  const mode = AUTO_QUARANTINE.find((m) => m === raw);
  if (!mode)
    problems.push(`AUTO_QUARANTINE must be one of ${AUTO_QUARANTINE.join(', ')}, got "${raw}"`);
  return mode ?? 'off';
}

/** `--role <role>` or `--role=<role>` on main.js's command line; it wins over ROLE. */
function roleArgument(argv: readonly string[], problems: string[]): string | undefined {
  const index = argv.findIndex((arg) => arg === '--role' || arg.startsWith('--role='));
  if (index < 0) return undefined;
  const arg = argv[index];
  const value = arg === '--role' ? argv[index + 1] : arg.slice('--role='.length);
  if (value === undefined || value === '' || value.startsWith('--')) {
    problems.push('--role needs a value: all or worker');
    return undefined;
  }
  return value;
}

function readQueuePrefix(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (/^[A-Za-z0-9_.-]{1,64}$/.test(raw)) return raw;
  problems.push(`QUEUE_PREFIX must be 1-64 of A-Z a-z 0-9 _ . -, got "${raw}"`);
  return undefined;
}

function readRunWorkers(raw: string | undefined, problems: string[]): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === '0' || raw === '1') return raw === '1';
  problems.push(`RUN_WORKERS must be 0 or 1, got "${raw}"`);
  return undefined;
}

function readRole(raw: string | undefined, problems: string[]): 'all' | 'worker' {
  if (!raw || raw === 'all') return 'all';
  if (raw === 'worker') return 'worker';
  problems.push(`ROLE (or --role) must be "all" or "worker", got "${raw}"`);
  return 'all';
}

function readVerificationScanPaths(
  raw: string | undefined,
  problems: string[],
): { verificationScanPaths?: string[] } {
  if (raw === undefined || raw.trim() === '') return {};
  const paths = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (paths.length > 64 || paths.some((p) => !p.startsWith('/') || p.length > 4096)) {
    problems.push(
      `VERIFICATION_SCAN_PATHS must be up to 64 comma-separated absolute paths, got "${raw.slice(0, 200)}"`,
    );
    return {};
  }
  return { verificationScanPaths: paths };
}
