import { ChannelCredentials, Client, Metadata, ServiceError, status } from '@grpc/grpc-js';
import { CommandState } from '@log4fleet/contracts';
import { TestAgent } from './support/agent-client';
import { LOG4J_2_14, scanIngested, seedHost } from './support/seed';
import { startTestController, TestController } from './support/test-controller';

jest.setTimeout(60_000);

const SERVICE = '/log4fleet.agent.v1.AgentService';
const raw = (b: Buffer): Buffer => b;
/** Not protobuf: field 1 with wire type 7 (none exists), and a length running past the end. */
const GARBAGE = [Buffer.from([0x0f, 0x00]), Buffer.from([0x0a, 0x7f, 0x61])];

describe('malformed protobuf on gRPC', () => {
  let controller: TestController;
  let client: Client;
  let agent: TestAgent;

  beforeAll(async () => {
    controller = await startTestController();
    client = new Client(controller.grpcAddress, ChannelCredentials.createInsecure());
    agent = await seedHost(controller);
  });

  afterAll(async () => {
    client.close();
    agent.close();
    await controller.close();
  });

  function unary(method: string, body: Buffer, metadata: Metadata): Promise<ServiceError | null> {
    return new Promise((resolve) => {
      client.makeUnaryRequest(`${SERVICE}/${method}`, raw, raw, body, metadata, (error) =>
        resolve(error),
      );
    });
  }

  it.each(['Enroll', 'UploadResults', 'ReportInventory'])(
    'Low: %s answers bytes that are not its message with INVALID_ARGUMENT, naming the method',
    async (method) => {
      for (const body of GARBAGE) {
        const error = await unary(method, body, agent.metadata());
        expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
        expect(error?.details).toContain(`${SERVICE}/${method}: the request is not a valid`);
      }
    },
  );

  it('Low: Connect ends a stream whose message is not an AgentMessage with INVALID_ARGUMENT', async () => {
    for (const body of GARBAGE) {
      const stream = client.makeBidiStreamRequest(`${SERVICE}/Connect`, raw, raw, agent.metadata());
      const ended = new Promise<ServiceError>((resolve) => {
        stream.on('error', resolve);
        stream.on('data', () => undefined);
      });
      stream.write(body);
      const error = await ended;
      expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
      expect(error.details).toContain(`${SERVICE}/Connect: the stream message is not a valid`);
    }
  });

  it('Low: keeps serving afterwards: a stream and an upload of the same agent work', async () => {
    const res = await controller
      .http()
      .post(`/api/v1/hosts/${agent.hostId}/scans`)
      .set('Authorization', `Bearer ${controller.adminToken}`)
      .send({});
    const commandId = (res.body as { id: string }).id;
    const stream = agent.connect();
    try {
      await stream.next(
        (m) => (m.kind?.$case === 'command' && m.kind.value.id === commandId ? true : undefined),
        'the scan pushed',
      );
      stream.send({
        kind: {
          $case: 'update',
          value: {
            commandId,
            state: CommandState.COMMAND_STATE_STARTED,
            message: '',
            atMs: Date.now(),
            totalChunks: 0,
          },
        },
      });
      await agent.upload({
        commandId,
        sequence: 0,
        totalChunks: 1,
        findings: [LOG4J_2_14],
        errors: [],
      });
      await scanIngested(controller, agent.hostId, commandId);
    } finally {
      stream.close();
    }
  });
});
