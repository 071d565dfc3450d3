import { status } from '@grpc/grpc-js';
import { CommandState } from '@log4fleet/contracts';
import { eventually, TestAgent } from './support/agent-client';
import { seedHost } from './support/seed';
import { startTestController, TestController, TestDatabase } from './support/test-controller';

jest.setTimeout(60_000);

/** A NUL in gRPC text: PostgreSQL text cannot hold it, so it must never reach a statement raw. */
describe.each<TestDatabase>(['sqlite', 'postgres'])('a NUL in gRPC text on %s', (database) => {
  let controller: TestController;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    controller = await startTestController({ database });
  });

  afterAll(async () => {
    agents.forEach((a) => a.close());
    await controller.close();
  });

  const admin = () => `Bearer ${controller.adminToken}`;

  it('H4: Enroll refuses a host fact holding a NUL with INVALID_ARGUMENT naming it', async () => {
    const token = await controller
      .http()
      .post('/api/v1/enrollment-tokens')
      .set('Authorization', admin())
      .send({ name: 'nul' });
    const agent = new TestAgent(controller.grpcAddress);
    agents.push(agent);
    await expect(
      agent.enroll(
        (token.body as { token: string }).token,
        TestAgent.facts({ hostname: 'web\u000001' }),
      ),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'host.hostname holds a NUL character',
    });
  });

  it('H4: a Hello whose facts hold a NUL ends the stream with INVALID_ARGUMENT naming the field', async () => {
    const agent = await seedHost(controller);
    agents.push(agent);
    const stream = agent.connect();
    stream.send({
      kind: {
        $case: 'hello',
        value: {
          agentVersion: '0.1.0',
          startedAtMs: Date.now(),
          host: TestAgent.facts({ osName: 'Debian\u0000' }),
        },
      },
    });
    expect(await stream.end()).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'host.os_name holds a NUL character',
    });
  });

  it('H4: a command report whose message holds a NUL is applied, the NUL stored as U+FFFD', async () => {
    const agent = await seedHost(controller);
    agents.push(agent);
    const res = await controller
      .http()
      .post(`/api/v1/hosts/${agent.hostId}/scans`)
      .set('Authorization', admin())
      .send({});
    const commandId = (res.body as { id: string }).id;
    const stream = agent.connect();
    try {
      stream.send({
        kind: {
          $case: 'update',
          value: {
            commandId,
            state: CommandState.COMMAND_STATE_FAILED,
            message: 'cannot read /opt/a\u0000b',
            atMs: Date.now(),
            totalChunks: 0,
          },
        },
      });
      const command = await eventually(async () => {
        const body = (
          await controller.http().get(`/api/v1/commands/${commandId}`).set('Authorization', admin())
        ).body as { state: string; message: string | null };
        return body.state === 'failed' ? body : undefined;
      }, 'the failure recorded');
      expect(command.message).toBe('cannot read /opt/a\uFFFDb');
      expect(stream.ended).toBeNull();
    } finally {
      stream.close();
    }
  });
});
