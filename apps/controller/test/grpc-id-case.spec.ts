import { CommandState } from '@log4fleet/contracts';
import { eventually, TestAgent } from './support/agent-client';
import { LOG4J_2_14, scanIngested, seedHost } from './support/seed';
import { startTestController, TestController } from './support/test-controller';

jest.setTimeout(60_000);

/**
 * One rule for ids in either API: a UUID is case-insensitive on input (RFC 4122 section 3) and
 * normalised to lower case, which is how the controller writes and stores them. REST does so for
 * path and body ids; on gRPC the agent id of the credential and the command ids of messages.
 */
describe('upper-case ids on gRPC', () => {
  let controller: TestController;
  let agent: TestAgent;

  beforeAll(async () => {
    controller = await startTestController();
    agent = await seedHost(controller);
  });

  afterAll(async () => {
    agent.close();
    await controller.close();
  });

  const admin = () => `Bearer ${controller.adminToken}`;

  it('Low: an upper-case agent id (and secret) in the credential and upper-case command ids are the same agent and command, stored in lower case', async () => {
    const upper = agent.metadata(`${agent.agentId.toUpperCase()}.${agent.secret.toUpperCase()}`);
    const res = await controller
      .http()
      .post(`/api/v1/hosts/${agent.hostId}/scans`)
      .set('Authorization', admin())
      .send({});
    const commandId = (res.body as { id: string }).id;
    const stream = agent.connect(upper);
    try {
      await stream.next(
        (m) => (m.kind?.$case === 'command' && m.kind.value.id === commandId ? true : undefined),
        'the scan pushed to the agent of the upper-case credential',
      );
      stream.send({
        kind: {
          $case: 'update',
          value: {
            commandId: commandId.toUpperCase(),
            state: CommandState.COMMAND_STATE_STARTED,
            message: '',
            atMs: Date.now(),
            totalChunks: 0,
          },
        },
      });
      const command = () =>
        controller.http().get(`/api/v1/commands/${commandId}`).set('Authorization', admin());
      await eventually(
        async () => ((await command()).body.state === 'started' ? true : undefined),
        'the upper-case report applied to the command',
      );
      const answer = await agent.upload(
        {
          commandId: commandId.toUpperCase(),
          sequence: 0,
          totalChunks: 1,
          findings: [LOG4J_2_14],
          errors: [],
        },
        upper,
      );
      expect(answer).toEqual({ duplicate: false, chunksReceived: 1, complete: true });
      // The same chunk in lower case is a duplicate: one command, one chunk.
      expect(
        await agent.upload({
          commandId,
          sequence: 0,
          totalChunks: 1,
          findings: [LOG4J_2_14],
          errors: [],
        }),
      ).toMatchObject({ duplicate: true });
      await scanIngested(controller, agent.hostId, commandId);
      const results = await controller
        .http()
        .get(`/api/v1/commands/${commandId}/results`)
        .set('Authorization', admin());
      expect(results.body).toMatchObject({
        received: 1,
        ingested: 1,
        chunks: [{ agentId: agent.agentId }],
      });
    } finally {
      stream.close();
    }
  });
});
