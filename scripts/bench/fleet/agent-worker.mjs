// One load-generator process of bench-fleet: simulates many agents, each with its own gRPC
// channel (own TCP connection: 'grpc.use_local_subchannel_pool'), one Connect stream, and a
// scan answer of a few realistic findings. Driven by the parent over IPC.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const { AgentServiceClient, CommandState } = require('@log4fleet/contracts');

const { ADDRESSES, COUNT, WORKER_INDEX } = process.env;
const addresses = ADDRESSES.split(',');
const count = Number(COUNT);
const workerIndex = Number(WORKER_INDEX);
const agents = [];
/** Upload refusals by gRPC status code, reported to the parent at close. */
const uploadErrors = new Map();
let closing = false;

const chain = (...parts) => parts.map((p) => Buffer.from(p));
function findingsFor(i) {
  const base = {
    versionExact: true,
    packageRoot: 'org/apache/logging/log4j/',
    sha256: 'b'.repeat(64),
  };
  return [
    {
      ...base,
      chain: chain(`/opt/app${i % 17}/lib/app.war`, 'WEB-INF/lib/log4j-core-2.14.1.jar'),
      product: 'log4j-core',
      version: '2.14.1',
      status: i % 3 === 0 ? 'vulnerable' : 'mitigated',
      cves: ['CVE-2021-44228', 'CVE-2021-45046'],
      evidence: ['JndiLookup.class present'],
    },
    {
      ...base,
      chain: chain('/usr/share/java/log4j-core-2.17.1.jar'),
      product: 'log4j-core',
      version: '2.17.1',
      status: 'safe',
      cves: [],
      evidence: [],
    },
    {
      ...base,
      chain: chain(`/srv/tools/report-${i % 5}.jar`, 'lib/log4j-1.2.17.jar'),
      product: 'log4j',
      version: '1.2.17',
      status: 'vulnerable',
      cves: ['CVE-2021-4104', 'CVE-2019-17571'],
      evidence: ['JMSAppender.class present'],
    },
  ];
}

const send = (message) => process.send?.(message);

function client(address) {
  return new AgentServiceClient(address, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.initial_reconnect_backoff_ms': 1000,
    'grpc.max_reconnect_backoff_ms': 30_000,
  });
}

class Agent {
  constructor(index) {
    this.index = index;
    this.addressIndex = index;
    this.client = client(addresses[this.addressIndex % addresses.length]);
    this.call = null;
    this.connected = false;
    this.done = new Set();
  }

  metadata() {
    const md = new grpc.Metadata({ waitForReady: true });
    md.set('authorization', `Bearer ${this.agentId}.${this.secret}`);
    return md;
  }

  enroll(token) {
    const id = randomUUID().replace(/-/g, '');
    const host = {
      hostname: `bench-${workerIndex}-${this.index}`,
      fqdn: `bench-${workerIndex}-${this.index}.fleet.test`,
      machineId: id,
      osName: 'Debian GNU/Linux',
      osVersion: '12',
      kernel: '6.1.0',
      arch: 'x86_64',
      addresses: ['10.1.0.1'],
    };
    return new Promise((resolve, reject) => {
      this.client.enroll(
        { token, host, agentVersion: '0.1.0-bench' },
        new grpc.Metadata({ waitForReady: true }),
        { deadline: Date.now() + 120_000 },
        (error, response) => {
          if (error) return reject(error);
          this.agentId = response.agentId;
          this.secret = response.credential;
          resolve();
        },
      );
    });
  }

  connect() {
    if (closing) return;
    const call = this.client.connect(this.metadata());
    this.call = call;
    call.on('data', (message) => {
      const kind = message.kind;
      if (!kind) return;
      if (kind.$case === 'heartbeatAck' && !this.connected) {
        this.connected = true;
        send({ type: 'connected', at: Date.now(), agent: this.index });
      }
      if (kind.$case === 'command') void this.execute(kind.value);
    });
    const lost = () => {
      if (this.call !== call) return;
      this.call = null;
      this.connected = false;
      if (closing) return;
      // TOOLCHAIN.md: wait U(0, W), W ~ agents / admission rate, then reconnect on the same channel.
      const windowMs = Math.max(2000, (count * Number(process.env.WORKERS ?? 1)) / 1.0);
      setTimeout(() => this.connect(), Math.random() * windowMs).unref();
    };
    call.on('error', lost);
    call.on('end', lost);
    call.write({
      kind: {
        $case: 'heartbeat',
        value: { sentAtMs: Date.now(), runningCommands: 0, outboxChunks: 0 },
      },
    });
  }

  update(commandId, state, totalChunks = 0) {
    this.call?.write({
      kind: {
        $case: 'update',
        value: { commandId, state, message: '', atMs: Date.now(), totalChunks },
      },
    });
  }

  async execute(command) {
    if (this.done.has(command.id)) return;
    this.done.add(command.id);
    send({ type: 'command', at: Date.now() });
    this.update(command.id, CommandState.COMMAND_STATE_DELIVERED);
    this.update(command.id, CommandState.COMMAND_STATE_STARTED);
    const request = {
      commandId: command.id,
      sequence: 0,
      totalChunks: 1,
      findings: findingsFor(this.index),
      errors: [],
      summary: {
        files: 120_000,
        directories: 9_000,
        archives: 800,
        bytes: 2_000_000_000,
        findings: 3,
        errors: 0,
        vulnerable: 2,
        mitigated: 0,
        safe: 1,
        unknown: 0,
        durationMs: 8_000,
        startedAtMs: Date.now() - 8_000,
        finishedAtMs: Date.now(),
      },
    };
    // Like the real agent's outbox: retried until acknowledged (or the bench closes).
    for (let attempt = 0; !closing; attempt++) {
      const error = await new Promise((resolve) => {
        this.client.uploadResults(
          request,
          this.metadata(),
          { deadline: Date.now() + 60_000 },
          (e) => resolve(e),
        );
      });
      if (!error) {
        send({ type: 'ingested', at: Date.now() });
        this.update(command.id, CommandState.COMMAND_STATE_SUCCEEDED, 1);
        return;
      }
      uploadErrors.set(error.code, (uploadErrors.get(error.code) ?? 0) + 1);
      const expected = [grpc.status.RESOURCE_EXHAUSTED, grpc.status.UNAVAILABLE];
      if (!expected.includes(error.code) && uploadErrors.get(error.code) <= 3)
        send({ type: 'error', message: `upload ${command.id}: ${error.code} ${error.details}` });
      await new Promise((r) =>
        setTimeout(r, Math.min(10_000, 500 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random())),
      );
    }
  }
}

async function inBatches(items, size, work) {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(work));
  }
}

process.on('message', async (message) => {
  try {
    if (message.type === 'enroll') {
      for (let i = 0; i < count; i++) agents.push(new Agent(i));
      await inBatches(agents, 25, (a) => a.enroll(message.token));
      send({ type: 'enrolled' });
    } else if (message.type === 'connect') {
      for (let i = 0; i < agents.length; i += 250) {
        for (const a of agents.slice(i, i + 250)) a.connect();
        await new Promise((r) => setImmediate(r));
      }
    } else if (message.type === 'close') {
      closing = true;
      for (const a of agents) {
        a.call?.cancel();
        a.client.close();
      }
      send({ type: 'closed', uploadErrors: Object.fromEntries(uploadErrors) });
      setTimeout(() => process.exit(0), 200);
    }
  } catch (error) {
    send({ type: 'error', message: String(error?.stack ?? error) });
  }
});
send({ type: 'ready' });
