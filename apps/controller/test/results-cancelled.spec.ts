import { status } from '@grpc/grpc-js';
import { CommandState, Finding, UploadResultsRequest } from '@log4fleet/contracts';
import { CommandsService } from '../src/commands/commands.service';
import { QueuesService } from '../src/queues/queues.service';
import { QueueName } from '../src/queues/queue-names';
import { ingestJobId } from '../src/results/ingest-queue.service';
import { eventually, TestAgent } from './support/agent-client';
import { LOG4J_2_14, LOG4J_2_17, scanIngested, seedHost } from './support/seed';
import { startTestController, TestController, TestDatabase } from './support/test-controller';

jest.setTimeout(60_000);

const chunk = (commandId: string, findings: Finding[]): UploadResultsRequest => ({
  commandId,
  sequence: 0,
  totalChunks: 1,
  findings,
  errors: [],
});

describe.each<TestDatabase>(['sqlite', 'postgres'])(
  'results of a cancelled or expired command on %s',
  (database) => {
    let controller: TestController;
    const agents: TestAgent[] = [];

    beforeAll(async () => {
      controller = await startTestController({ database });
    });

    afterEach(async () => {
      await ingestQueue().resume();
    });

    afterAll(async () => {
      agents.forEach((a) => a.close());
      await controller.close();
    });

    const ingestQueue = () => controller.app.get(QueuesService).queue(QueueName.ResultsIngest);
    const commands = () => controller.app.get(CommandsService);
    const admin = () => `Bearer ${controller.adminToken}`;
    const get = (url: string, query: Record<string, string> = {}) =>
      controller.http().get(url).query(query).set('Authorization', admin());

    async function newScan(hostId: string): Promise<string> {
      const res = await controller
        .http()
        .post(`/api/v1/hosts/${hostId}/scans`)
        .set('Authorization', admin())
        .send({});
      expect(res.status).toBe(201);
      return (res.body as { id: string }).id;
    }

    /** A vulnerable host whose remediation an operator recorded: `remediated`, a rescan due. */
    async function remediatedHost(): Promise<TestAgent> {
      const agent = await seedHost(controller, { findings: [LOG4J_2_14] });
      agents.push(agent);
      const res = await controller
        .http()
        .post(`/api/v1/hosts/${agent.hostId}/remediations`)
        .set('Authorization', admin())
        .send({ method: 'upgraded', note: 'log4j-core 2.17.1 installed' });
      expect(res.status).toBe(201);
      expect(await hostStatus(agent)).toBe('remediated');
      return agent;
    }

    async function hostStatus(agent: TestAgent): Promise<string> {
      return ((await get(`/api/v1/hosts/${agent.hostId}`)).body as { host: { status: string } })
        .host.status;
    }

    async function commandState(commandId: string): Promise<string> {
      return ((await get(`/api/v1/commands/${commandId}`)).body as { state: string }).state;
    }

    async function auditCount(hostId: string, action: string): Promise<number> {
      return ((await get('/api/v1/audit', { hostId, action })).body as { total: number }).total;
    }

    it('Low: results for a scan cancelled before it started are refused (FAILED_PRECONDITION), audited, and leave the host as it was', async () => {
      const agent = await remediatedHost();
      const commandId = await newScan(agent.hostId);
      expect(await commands().cancel(commandId, 'test')).toBe(true);
      const refused = agent.upload(chunk(commandId, [LOG4J_2_17]));
      await expect(refused).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
      await expect(refused).rejects.toThrow(
        `command ${commandId} was cancelled by the controller; its results are not accepted`,
      );
      expect(await auditCount(agent.hostId, 'results.refused')).toBe(1);
      // Nothing was stored and the host did not move remediated -> verified on them.
      expect((await get(`/api/v1/commands/${commandId}/results`)).body).toMatchObject({
        received: 0,
      });
      expect(await hostStatus(agent)).toBe('remediated');
    });

    it('Low: results for an expired scan are refused alike', async () => {
      const agent = await remediatedHost();
      const commandId = await newScan(agent.hostId);
      expect(await commands().expire(commandId)).toBe(true);
      await expect(agent.upload(chunk(commandId, [LOG4J_2_17]))).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
        details: expect.stringContaining('was expired by the controller') as unknown,
      });
      expect(await hostStatus(agent)).toBe('remediated');
    });

    it('Low: a chunk stored before the cancel is set aside with the reason, not applied', async () => {
      const agent = await remediatedHost();
      const commandId = await newScan(agent.hostId);
      await ingestQueue().pause();
      await agent.upload(chunk(commandId, [LOG4J_2_17]));
      expect(await commands().cancel(commandId, 'test')).toBe(true);
      await ingestQueue().resume();
      const results = await eventually(async () => {
        const body = (await get(`/api/v1/commands/${commandId}/results`)).body as {
          failed: number;
          ingested: number;
          chunks: Array<{ failure: string | null }>;
        };
        return body.failed === 1 ? body : undefined;
      }, 'the chunk set aside');
      expect(results.ingested).toBe(0);
      expect(results.chunks[0].failure).toContain('was cancelled by the controller');
      expect(await auditCount(agent.hostId, 'results.chunk_failed')).toBe(1);
      expect(await hostStatus(agent)).toBe('remediated');
      // A re-upload of the same chunk from the agent's outbox is refused too.
      await expect(agent.upload(chunk(commandId, [LOG4J_2_17]))).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
      });
    });

    it('Low: race, the cancel comes first: the agent ran it anyway, its reports are ignored and its results refused', async () => {
      const agent = await remediatedHost();
      const commandId = await newScan(agent.hostId);
      const stream = agent.connect();
      try {
        await stream.next(
          (m) => (m.kind?.$case === 'command' && m.kind.value.id === commandId ? true : undefined),
          'the scan delivered',
        );
        // The controller has not seen it start: the cancel wins.
        expect(await commands().cancel(commandId, 'test')).toBe(true);
        for (const state of [
          CommandState.COMMAND_STATE_STARTED,
          CommandState.COMMAND_STATE_SUCCEEDED,
        ])
          stream.send({
            kind: {
              $case: 'update',
              value: { commandId, state, message: '', atMs: Date.now(), totalChunks: 1 },
            },
          });
        // Messages are handled in order: once the heartbeat is answered, both reports were.
        stream.send({
          kind: {
            $case: 'heartbeat',
            value: { sentAtMs: Date.now(), runningCommands: 0, outboxChunks: 1 },
          },
        });
        await stream.next(
          (m) => (m.kind?.$case === 'heartbeatAck' ? true : undefined),
          'the heartbeat answered',
        );
        expect(await commandState(commandId)).toBe('cancelled');
        await expect(agent.upload(chunk(commandId, [LOG4J_2_17]))).rejects.toMatchObject({
          code: status.FAILED_PRECONDITION,
        });
        expect(await commandState(commandId)).toBe('cancelled');
        expect(await hostStatus(agent)).toBe('remediated');
      } finally {
        stream.close();
      }
    });

    it('Low: race, the start comes first: the command can no longer be cancelled and its results count', async () => {
      const agent = await remediatedHost();
      const commandId = await newScan(agent.hostId);
      const stream = agent.connect();
      try {
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
        await eventually(
          async () => ((await commandState(commandId)) === 'started' ? true : undefined),
          'the start recorded',
        );
        expect(await commands().cancel(commandId, 'test')).toBe(false);
        await agent.upload(chunk(commandId, [LOG4J_2_17]));
        await scanIngested(controller, agent.hostId, commandId);
        expect(await hostStatus(agent)).toBe('verified');
        await eventually(async () => {
          const job = await ingestQueue().getJob(ingestJobId({ commandId, sequence: 0 }));
          return job && (await job.getState()) === 'completed' ? true : undefined;
        }, 'the ingest job completed');
      } finally {
        stream.close();
      }
    });
  },
);
