import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  const insecure = { GRPC_INSECURE: '1' };

  it('applies the documented defaults', () => {
    const config = loadConfig(insecure);
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.grpc).toMatchObject({
      port: 50051,
      insecure: true,
      maxStreams: 15000,
      listenBacklog: 4096,
      maxReceiveBytes: 4 * 1024 * 1024,
    });
    expect(config.database).toEqual({
      type: 'sqlite',
      path: './.log4fleet/controller.sqlite',
      synchronous: 'normal',
    });
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('reads the auto-quarantine policy: off by default, a mode, a malformed value named', () => {
    expect(loadConfig(insecure).autoQuarantine).toBe('off');
    expect(loadConfig({ ...insecure, AUTO_QUARANTINE: 'isolate' }).autoQuarantine).toBe('isolate');
    expect(loadConfig({ ...insecure, AUTO_QUARANTINE: 'egress-block' }).autoQuarantine).toBe(
      'egress-block',
    );
    expect(() => loadConfig({ ...insecure, AUTO_QUARANTINE: 'yes' })).toThrow(
      'AUTO_QUARANTINE must be one of off, isolate, egress-block, got "yes"',
    );
  });

  it('reads SQLite durability and names a bad value', () => {
    expect(loadConfig({ ...insecure, SQLITE_SYNCHRONOUS: 'FULL' }).database).toMatchObject({
      synchronous: 'full',
    });
    expect(() => loadConfig({ ...insecure, SQLITE_SYNCHRONOUS: 'off' })).toThrow(
      /SQLITE_SYNCHRONOUS must be normal or full, got "off"/,
    );
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    expect(loadConfig({ ...insecure, DATABASE_URL: 'postgres://u@db:5432/l4f' }).database).toEqual({
      type: 'postgres',
      url: 'postgres://u@db:5432/l4f',
    });
  });

  it('refuses to start without TLS unless plaintext is asked for explicitly', () => {
    expect(() => loadConfig({})).toThrow(/GRPC_TLS_CERT and GRPC_TLS_KEY, or GRPC_INSECURE=1/);
    expect(() => loadConfig({ GRPC_INSECURE: 'true' })).toThrow(ConfigError);
    expect(loadConfig({ ROLE: 'worker' }).role).toBe('worker');
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({
        ...insecure,
        HTTP_PORT: '99999',
        MAX_AGENT_STREAMS: '0',
        REDIS_URL: 'http://x',
        GRPC_TLS_CERT: '/nope.pem',
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('HTTP_PORT');
      expect(problems).toContain('MAX_AGENT_STREAMS');
      expect(problems).toContain('REDIS_URL');
      expect(problems).toContain('GRPC_TLS_CERT and GRPC_TLS_KEY must be set together');
    }
  });

  it('reads the process role', () => {
    expect(loadConfig(insecure).role).toBe('all');
    expect(loadConfig({ ...insecure, ROLE: 'worker' }).role).toBe('worker');
    expect(() => loadConfig({ ...insecure, ROLE: 'boss' })).toThrow(/ROLE/);
  });

  it('D2: --role worker on the command line makes a worker, which needs no TLS settings', () => {
    expect(loadConfig({}, ['--role', 'worker']).role).toBe('worker');
    expect(loadConfig({}, ['--role=worker']).role).toBe('worker');
    expect(loadConfig({ ROLE: 'all' }, ['--role', 'worker']).role).toBe('worker');
    expect(loadConfig(insecure, ['--role', 'all']).role).toBe('all');
    expect(() => loadConfig({}, ['--role', 'boss'])).toThrow(/--role\) must be "all" or "worker"/);
    expect(() => loadConfig({}, ['--role'])).toThrow(/--role needs a value/);
  });

  it('reads the queue settings, only those given', () => {
    expect(loadConfig(insecure).queues).toEqual({});
    expect(
      loadConfig({
        ...insecure,
        QUEUE_PREFIX: 'prod-eu',
        RUN_WORKERS: '0',
        CAMPAIGN_MONITOR_MS: '300',
        CLUSTER_HEARTBEAT_MS: '500',
        JOB_LOCK_MS: '3000',
        SCHEDULER_CHECK_MS: '1000',
      }).queues,
    ).toEqual({
      prefix: 'prod-eu',
      runWorkers: false,
      monitorEveryMs: 300,
      clusterHeartbeatMs: 500,
      lockDurationMs: 3000,
      reconcileEveryMs: 1000,
    });
  });

  describe('D3: a malformed queue setting stops the start, naming the variable and what is allowed', () => {
    it.each([
      [
        'CAMPAIGN_MONITOR_MS',
        'abc',
        /CAMPAIGN_MONITOR_MS must be an integer 100-3600000, got "abc"/,
      ],
      ['CAMPAIGN_MONITOR_MS', '50', /CAMPAIGN_MONITOR_MS must be an integer 100-3600000, got "50"/],
      [
        'CLUSTER_HEARTBEAT_MS',
        '5s',
        /CLUSTER_HEARTBEAT_MS must be an integer 100-600000, got "5s"/,
      ],
      ['JOB_LOCK_MS', '1.5', /JOB_LOCK_MS must be an integer 1000-3600000, got "1.5"/],
      ['SCHEDULER_CHECK_MS', '-1', /SCHEDULER_CHECK_MS must be an integer 100-3600000, got "-1"/],
      ['RUN_WORKERS', 'no', /RUN_WORKERS must be 0 or 1, got "no"/],
      ['QUEUE_PREFIX', 'a b:c', /QUEUE_PREFIX must be 1-64 of A-Z a-z 0-9 _ \. -, got "a b:c"/],
    ])('%s=%s', (name, value, message) => {
      expect(() => loadConfig({ ...insecure, [name]: value })).toThrow(message);
    });
  });

  it('checks the shape of a configured admin token', () => {
    expect(() => loadConfig({ ...insecure, LOG4FLEET_ADMIN_TOKEN: 'hunter2' })).toThrow(
      /LOG4FLEET_ADMIN_TOKEN/,
    );
    const token = `l4f_abcdef0123456789_${'x'.repeat(40)}`;
    expect(loadConfig({ ...insecure, LOG4FLEET_ADMIN_TOKEN: token }).adminToken).toBe(token);
  });

  it('M5: reads the per-agent limits and retention, with documented defaults and bounds', () => {
    expect(loadConfig(insecure).limits).toEqual({
      inventoryReportsPerHour: 6,
      maxChunksPerCommand: 10_000,
      maxBytesPerCommand: 512 * 1024 * 1024,
      maxBytesPerAgentHour: 1024 * 1024 * 1024,
      inventoryKeepSnapshots: 100,
      inventoryRetentionDays: 90,
      resultPayloadRetentionDays: 30,
      retentionEveryS: 3600,
    });
    expect(
      loadConfig({ ...insecure, RESULT_MAX_MB_PER_COMMAND: '2', INVENTORY_KEEP_SNAPSHOTS: '5' })
        .limits,
    ).toMatchObject({ maxBytesPerCommand: 2 * 1024 * 1024, inventoryKeepSnapshots: 5 });
    expect(() => loadConfig({ ...insecure, RESULT_MAX_CHUNKS_PER_COMMAND: '100001' })).toThrow(
      /RESULT_MAX_CHUNKS_PER_COMMAND must be an integer 1-100000/,
    );
    expect(() => loadConfig({ ...insecure, INVENTORY_REPORTS_PER_HOUR: '0' })).toThrow(
      /INVENTORY_REPORTS_PER_HOUR/,
    );
  });
});
