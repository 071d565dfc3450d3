import { randomUUID } from 'node:crypto';
import { ChannelCredentials, ClientDuplexStream, Metadata } from '@grpc/grpc-js';
import {
  AgentMessage,
  AgentServiceClient,
  Command,
  CommandState,
  ControllerMessage,
  Finding,
  HostFacts,
  UploadResultsRequest,
} from '@log4fleet/contracts';

export type Behavior = 'succeed' | 'fail' | 'silent';

export const VULNERABLE_FINDING: Finding = {
  chain: [Buffer.from('/opt/app/lib/app.war'), Buffer.from('WEB-INF/lib/log4j-core-2.14.1.jar')],
  product: 'log4j-core',
  version: '2.14.1',
  versionExact: true,
  status: 'vulnerable',
  cves: ['CVE-2021-44228', 'CVE-2021-45046'],
  evidence: ['JndiLookup.class present'],
  packageRoot: 'org/apache/logging/log4j/',
  sha256: 'a'.repeat(64),
};

export const SAFE_FINDING: Finding = {
  ...VULNERABLE_FINDING,
  chain: [Buffer.from('/opt/other/log4j-core-2.17.1.jar')],
  version: '2.17.1',
  status: 'safe',
  cves: [],
  evidence: [],
};

const RETRY_MS = 150;
const MAX_RETRIES = 400;

/**
 * A scripted agent over real @grpc/grpc-js clients: enrolls, keeps one Connect stream (to the
 * next address when one fails), answers each scan command as its behavior says, uploads results
 * with retries (like the agent's outbox), and remembers what it received.
 */
export class SimAgent {
  agentId = '';
  hostId = '';
  private secret = '';
  private readonly clients = new Map<string, AgentServiceClient>();
  private call: ClientDuplexStream<AgentMessage, ControllerMessage> | null = null;
  /**
   * The stream being opened: the controller sends the commands it holds for this agent as soon
   * as the stream opens, before it answers the first heartbeat; their updates go out on it.
   */
  private opening: ClientDuplexStream<AgentMessage, ControllerMessage> | null = null;
  private addressIndex = 0;
  private closed = false;
  /** close() ran: its channels are gone, a pending upload stops retrying. */
  private shutDown = false;
  readonly commands: string[] = [];
  readonly cancels: string[] = [];
  /** Request ids of the inventory requests received. */
  readonly inventoryRequests: string[] = [];
  readonly uploads: Array<{ commandId: string; duplicate: boolean }> = [];
  connections = 0;
  connectedTo: string | null = null;

  constructor(
    private readonly addresses: string[],
    public behavior: Behavior = 'succeed',
    readonly findings: Finding[] = [],
  ) {}

  static facts(): HostFacts {
    const id = randomUUID().replace(/-/g, '');
    return {
      hostname: `sim-${id.slice(0, 10)}`,
      fqdn: `sim-${id.slice(0, 10)}.test`,
      machineId: id,
      osName: 'Debian GNU/Linux',
      osVersion: '12',
      kernel: '6.1.0',
      arch: 'x86_64',
      addresses: ['10.0.0.9'],
    };
  }

  private client(address: string): AgentServiceClient {
    let client = this.clients.get(address);
    if (!client) {
      client = new AgentServiceClient(address, ChannelCredentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
      });
      this.clients.set(address, client);
    }
    return client;
  }

  private get address(): string {
    return this.addresses[this.addressIndex % this.addresses.length];
  }

  private metadata(): Metadata {
    const md = new Metadata();
    md.set('authorization', `Bearer ${this.agentId}.${this.secret}`);
    return md;
  }

  enroll(token: string, facts: HostFacts = SimAgent.facts()): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client(this.address).enroll(
        { token, host: facts, agentVersion: '0.1.0-sim' },
        (error, response) => {
          if (error) return reject(error);
          this.agentId = response.agentId;
          this.secret = response.credential;
          this.hostId = response.hostId;
          resolve();
        },
      );
    });
  }

  /** Opens the stream and resolves once the controller answered a heartbeat (registered). */
  connect(): Promise<void> {
    this.closed = false;
    return this.connectOnce();
  }

  private async reconnectSoon(): Promise<void> {
    for (let attempt = 0; attempt < MAX_RETRIES && !this.closed; attempt++) {
      await sleep(RETRY_MS);
      this.addressIndex++;
      try {
        await this.connectOnce();
        return;
      } catch {
        // next address
      }
    }
  }

  private connectOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      const address = this.address;
      const call = this.client(address).connect(this.metadata());
      this.opening = call;
      let settled = false;
      const timer = setTimeout(() => fail(new Error('no heartbeat ack')), 3_000);
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (this.opening === call) this.opening = null;
        call.cancel();
        reject(error);
      };
      call.on('data', (message: ControllerMessage) => {
        const kind = message.kind;
        if (!kind) return;
        if (kind.$case === 'heartbeatAck' && !settled) {
          settled = true;
          clearTimeout(timer);
          this.call = call;
          this.connections++;
          this.connectedTo = address;
          call.on('error', () => this.onLost(call));
          call.on('end', () => this.onLost(call));
          resolve();
        }
        if (kind.$case === 'command') void this.execute(kind.value);
        if (kind.$case === 'cancel') this.cancels.push(kind.value.commandId);
        if (kind.$case === 'inventoryRequest') this.inventoryRequests.push(kind.value.requestId);
      });
      call.on('error', (error: Error) => fail(error));
      call.write({
        kind: {
          $case: 'heartbeat',
          value: { sentAtMs: Date.now(), runningCommands: 0, outboxChunks: 0 },
        },
      });
    });
  }

  private onLost(call: ClientDuplexStream<AgentMessage, ControllerMessage>): void {
    if (this.opening === call) this.opening = null;
    if (this.call !== call) return;
    this.call = null;
    this.connectedTo = null;
    if (!this.closed) void this.reconnectSoon().catch(() => undefined);
  }

  private send(message: AgentMessage): void {
    (this.call ?? this.opening)?.write(message);
  }

  private update(commandId: string, state: CommandState, totalChunks = 0, message = ''): void {
    this.send({
      kind: {
        $case: 'update',
        value: { commandId, state, message, atMs: Date.now(), totalChunks },
      },
    });
  }

  private async execute(command: Command): Promise<void> {
    if (this.commands.includes(command.id)) return;
    this.commands.push(command.id);
    this.update(command.id, CommandState.COMMAND_STATE_DELIVERED);
    if (this.behavior === 'silent') return;
    this.update(command.id, CommandState.COMMAND_STATE_STARTED);
    if (this.behavior === 'fail') {
      this.update(
        command.id,
        CommandState.COMMAND_STATE_FAILED,
        0,
        'scan failed: permission denied on /opt',
      );
      return;
    }
    await this.upload({
      commandId: command.id,
      sequence: 0,
      totalChunks: 1,
      findings: this.findings,
      errors: [],
    });
    this.update(command.id, CommandState.COMMAND_STATE_SUCCEEDED, 1);
  }

  /** Retries until acknowledged (the outbox rule): a dropped answer is sent again, stored once. */
  async upload(request: UploadResultsRequest): Promise<void> {
    for (let attempt = 0; attempt < MAX_RETRIES && !this.shutDown; attempt++) {
      const ok = await new Promise<boolean>((resolve) => {
        this.client(this.address).uploadResults(request, this.metadata(), (error, response) => {
          if (error) return resolve(false);
          this.uploads.push({ commandId: request.commandId, duplicate: response.duplicate });
          resolve(true);
        });
      });
      if (ok) return;
      this.addressIndex++;
      await sleep(RETRY_MS);
    }
  }

  disconnect(): void {
    this.closed = true;
    const call = this.call;
    this.call = null;
    this.opening = null;
    call?.cancel();
  }

  close(): void {
    this.shutDown = true;
    this.disconnect();
    for (const client of this.clients.values()) client.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
