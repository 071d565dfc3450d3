import { randomUUID } from 'node:crypto';
import {
  Server,
  ServerCredentials,
  status,
  type Metadata,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import {
  AgentServiceService,
  generateSigningKey,
  signCommand,
  type SigningKeyPair,
  type AgentMessage,
  type Command,
  type CommandState,
  type ControllerMessage,
  type EnrollRequest,
  type EnrollResponse,
  type UploadResultsRequest,
  type UploadResultsResponse,
} from '@log4fleet/contracts';

/** The real service definition, except that Connect also sends a Buffer as it is (pushRaw). */
const RAW_CAPABLE_SERVICE = {
  ...AgentServiceService,
  connect: {
    ...AgentServiceService.connect,
    responseSerialize: (value: ControllerMessage | Buffer): Buffer =>
      Buffer.isBuffer(value) ? value : AgentServiceService.connect.responseSerialize(value),
  },
};

export interface EnrolledAgent {
  agentId: string;
  hostId: string;
  secret: string;
  request: EnrollRequest;
}

/**
 * A small but real controller for tests: @grpc/grpc-js server on 127.0.0.1 implementing
 * AgentServiceService in memory, with the same auth rule as the real one. Survives
 * stop()/start() on the same port with its memory intact, like a restarted controller
 * with a database.
 */
export class FakeController {
  readonly tokens = new Set<string>();
  readonly agents = new Map<string, EnrolledAgent>();
  /** Every AgentMessage received, per agent. */
  readonly messages: Array<{ agentId: string; message: AgentMessage }> = [];
  /** Stored chunks keyed "agent/command/sequence". */
  readonly chunks = new Map<string, UploadResultsRequest>();
  /** How many UploadResults calls each key received (duplicates included). */
  readonly uploadCalls = new Map<string, number>();
  connects = 0;
  /** Like a hung controller: agent messages on Connect are dropped, heartbeats not acked. */
  ignoreMessages = false;
  heartbeatIntervalS = 30;
  /** Called before an upload is answered; may delay it (return a promise) or refuse it (throw). */
  onUpload: (request: UploadResultsRequest) => Promise<void> | void = () => undefined;
  /** Called after a chunk was stored, before the answer; stopping the server here loses the answer. */
  afterStore: (request: UploadResultsRequest) => void = () => undefined;
  /** The command-signing key given to agents at enrollment; push() signs with it. */
  signingKey: SigningKeyPair = generateSigningKey();
  private readonly streams = new Map<string, ServerDuplexStream<AgentMessage, ControllerMessage>>();
  private server: Server | undefined;
  port = 0;

  constructor(
    private readonly credentials: ServerCredentials = ServerCredentials.createInsecure(),
  ) {}

  get url(): string {
    return `grpc://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = new Server();
    server.addService(RAW_CAPABLE_SERVICE, {
      enroll: (
        call: ServerUnaryCall<EnrollRequest, EnrollResponse>,
        cb: sendUnaryData<EnrollResponse>,
      ) => this.enroll(call, cb),
      connect: (call: ServerDuplexStream<AgentMessage, ControllerMessage>) => this.connect(call),
      uploadResults: (
        call: ServerUnaryCall<UploadResultsRequest, UploadResultsResponse>,
        cb: sendUnaryData<UploadResultsResponse>,
      ) => void this.upload(call, cb),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, this.credentials, (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    this.server = server;
  }

  /** Like a crash: every connection dropped at once. */
  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
    this.streams.clear();
  }

  isConnected(agentId: string): boolean {
    return this.streams.has(agentId);
  }

  /**
   * The command states taken from an agent; when set, an update in any other state ends the
   * stream with INVALID_ARGUMENT, as the real controller's validation does.
   */
  acceptedStates: ReadonlySet<CommandState> | undefined;

  cancel(agentId: string, commandId: string): void {
    const stream = this.streams.get(agentId);
    if (!stream) throw new Error(`agent ${agentId} has no stream`);
    stream.write({ kind: { $case: 'cancel', value: { commandId } } });
  }

  /** Sends `command` signed for `agentId` by this controller's key, like the real one. */
  push(agentId: string, command: Command): void {
    this.pushAsIs(agentId, signCommand(command, agentId, this.signingKey.privateKey));
  }

  /** Sends `command` exactly as given: unsigned, forged, misaddressed... */
  pushAsIs(agentId: string, command: Command): void {
    const stream = this.streams.get(agentId);
    if (!stream) throw new Error(`agent ${agentId} has no stream`);
    stream.write({ kind: { $case: 'command', value: command } });
  }

  /** Any controller message, e.g. a signing key chain. */
  pushMessage(agentId: string, message: ControllerMessage): void {
    const stream = this.streams.get(agentId);
    if (!stream) throw new Error(`agent ${agentId} has no stream`);
    stream.write(message);
  }

  /** Writes bytes as they are, e.g. a message the generated encoder could not produce. */
  pushRaw(agentId: string, bytes: Buffer): void {
    const stream = this.streams.get(agentId);
    if (!stream) throw new Error(`agent ${agentId} has no stream`);
    (stream as unknown as { write(raw: Buffer): boolean }).write(bytes);
  }

  updates(agentId: string, commandId: string): AgentMessage[] {
    return this.messages
      .filter(
        (m) =>
          m.agentId === agentId &&
          m.message.kind?.$case === 'update' &&
          m.message.kind.value.commandId === commandId,
      )
      .map((m) => m.message);
  }

  storedChunks(agentId: string, commandId: string): UploadResultsRequest[] {
    return [...this.chunks.entries()]
      .filter(([key]) => key.startsWith(`${agentId}/${commandId}/`))
      .map(([, chunk]) => chunk)
      .sort((a, b) => a.sequence - b.sequence);
  }

  private enroll(
    call: ServerUnaryCall<EnrollRequest, EnrollResponse>,
    cb: sendUnaryData<EnrollResponse>,
  ): void {
    if (!this.tokens.delete(call.request.token)) {
      cb({ code: status.UNAUTHENTICATED, details: 'enrollment token unknown, used or expired' });
      return;
    }
    const agent: EnrolledAgent = {
      agentId: randomUUID(),
      hostId: randomUUID(),
      secret: randomUUID(),
      request: call.request,
    };
    this.agents.set(agent.agentId, agent);
    cb(null, {
      agentId: agent.agentId,
      hostId: agent.hostId,
      credential: agent.secret,
      tags: ['dmz', 'web'],
      heartbeatIntervalS: this.heartbeatIntervalS,
      commandSigningKey: this.signingKey.publicKey,
    });
  }

  private authenticate(metadata: Metadata): EnrolledAgent | undefined {
    const [value] = metadata.get('authorization');
    const match = /^Bearer ([^.]+)\.(.+)$/.exec(String(value ?? ''));
    const agent = match ? this.agents.get(match[1]) : undefined;
    return agent && agent.secret === match?.[2] ? agent : undefined;
  }

  private connect(call: ServerDuplexStream<AgentMessage, ControllerMessage>): void {
    const agent = this.authenticate(call.metadata);
    if (!agent) {
      call.emit('error', { code: status.UNAUTHENTICATED, details: 'bad agent credential' });
      return;
    }
    this.connects += 1;
    this.streams.get(agent.agentId)?.end();
    this.streams.set(agent.agentId, call);
    call.sendMetadata(call.metadata.clone());
    call.on('data', (message: AgentMessage) => {
      if (this.ignoreMessages) return;
      this.messages.push({ agentId: agent.agentId, message });
      const update = message.kind?.$case === 'update' ? message.kind.value : undefined;
      if (update && this.acceptedStates && !this.acceptedStates.has(update.state)) {
        call.emit('error', {
          code: status.INVALID_ARGUMENT,
          details: `update.state ${update.state} is not one an agent reports`,
        });
        return;
      }
      if (message.kind?.$case === 'heartbeat')
        call.write({ kind: { $case: 'heartbeatAck', value: { serverTimeMs: Date.now() } } });
    });
    const forget = (): void => {
      if (this.streams.get(agent.agentId) === call) this.streams.delete(agent.agentId);
    };
    call.on('end', () => {
      forget();
      call.end();
    });
    call.on('error', forget);
    call.on('cancelled', forget);
  }

  private async upload(
    call: ServerUnaryCall<UploadResultsRequest, UploadResultsResponse>,
    cb: sendUnaryData<UploadResultsResponse>,
  ): Promise<void> {
    const agent = this.authenticate(call.metadata);
    if (!agent) return cb({ code: status.UNAUTHENTICATED, details: 'bad agent credential' });
    const request = call.request;
    try {
      await this.onUpload(request);
    } catch (err) {
      return cb({
        code: status.UNAVAILABLE,
        details: err instanceof Error ? err.message : String(err),
      });
    }
    const key = `${agent.agentId}/${request.commandId}/${request.sequence}`;
    this.uploadCalls.set(key, (this.uploadCalls.get(key) ?? 0) + 1);
    const duplicate = this.chunks.has(key);
    if (!duplicate) this.chunks.set(key, request);
    const received = this.storedChunks(agent.agentId, request.commandId).length;
    this.afterStore(request);
    if (!this.server) return;
    cb(null, { duplicate, chunksReceived: received, complete: received === request.totalChunks });
  }
}
