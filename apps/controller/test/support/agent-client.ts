import { randomUUID } from 'node:crypto';
import { ChannelCredentials, ClientDuplexStream, Metadata, ServiceError } from '@grpc/grpc-js';
import {
  AgentMessage,
  AgentServiceClient,
  ControllerMessage,
  EnrollResponse,
  HostFacts,
  UploadResultsRequest,
  UploadResultsResponse,
} from '@log4fleet/contracts';

/** A scripted agent over a real @grpc/grpc-js client, for integration tests. */
export class TestAgent {
  readonly client: AgentServiceClient;
  agentId = '';
  secret = '';
  hostId = '';

  constructor(address: string) {
    this.client = new AgentServiceClient(address, ChannelCredentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
  }

  static facts(overrides: Partial<HostFacts> = {}): HostFacts {
    const id = randomUUID().replace(/-/g, '');
    return {
      hostname: `host-${id.slice(0, 8)}`,
      fqdn: `host-${id.slice(0, 8)}.example.test`,
      machineId: id,
      osName: 'Debian GNU/Linux',
      osVersion: '12',
      kernel: '6.1.0',
      arch: 'x86_64',
      addresses: ['10.0.0.7'],
      ...overrides,
    };
  }

  /** `currentCredential`: "<agent_id>.<secret>" of the machine's current agent, the proof of a re-enrollment. */
  enroll(
    token: string,
    facts: HostFacts = TestAgent.facts(),
    currentCredential?: string,
  ): Promise<EnrollResponse> {
    return new Promise((resolve, reject) => {
      const request = { token, host: facts, agentVersion: '0.1.0-test', currentCredential };
      this.client.enroll(request, (error, response) => {
        if (error) return reject(error);
        this.agentId = response.agentId;
        this.secret = response.credential;
        this.hostId = response.hostId;
        resolve(response);
      });
    });
  }

  metadata(credential = `${this.agentId}.${this.secret}`): Metadata {
    const md = new Metadata();
    md.set('authorization', `Bearer ${credential}`);
    return md;
  }

  connect(metadata = this.metadata()): AgentStream {
    return new AgentStream(this.client.connect(metadata));
  }

  upload(
    request: UploadResultsRequest,
    metadata = this.metadata(),
  ): Promise<UploadResultsResponse> {
    return new Promise((resolve, reject) => {
      this.client.uploadResults(request, metadata, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

const WAIT_LIMIT_MS = 10_000;

/** The agent's end of Connect: collects what the controller sends and how the stream ended. */
export class AgentStream {
  readonly received: ControllerMessage[] = [];
  ended: ServiceError | 'ok' | null = null;
  private waiters: Array<() => void> = [];

  constructor(readonly call: ClientDuplexStream<AgentMessage, ControllerMessage>) {
    call.on('data', (message: ControllerMessage) => {
      this.received.push(message);
      this.wake();
    });
    call.on('error', (error: ServiceError) => {
      this.ended = error;
      this.wake();
    });
    call.on('status', () => {
      this.ended ??= 'ok';
      this.wake();
    });
  }

  send(message: AgentMessage): void {
    this.call.write(message);
  }

  /** Waits (bounded) for the first received message that matches. */
  async next<T>(pick: (m: ControllerMessage) => T | undefined, what: string): Promise<T> {
    return this.until(() => {
      for (const m of this.received) {
        const value = pick(m);
        if (value !== undefined) return value;
      }
      return undefined;
    }, what);
  }

  /** Waits (bounded) for the stream to end and returns how. */
  async end(): Promise<ServiceError | 'ok'> {
    return this.until(() => this.ended ?? undefined, 'the end of the stream');
  }

  close(): void {
    this.call.cancel();
  }

  private until<T>(probe: () => T | undefined, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`gave up waiting for ${what}`)),
        WAIT_LIMIT_MS,
      );
      const check = () => {
        const value = probe();
        if (value === undefined) {
          this.waiters.push(check);
          return;
        }
        clearTimeout(timer);
        resolve(value);
      };
      check();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Polls a condition a bounded number of times (state written by the controller asynchronously). */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  attempts = 100,
): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}
