import { status } from '@grpc/grpc-js';
import { UploadResultsRequest } from '@log4fleet/contracts';
import { DataSource } from 'typeorm';
import { rawQuery } from '../src/database/raw-query';
import { QueueName } from '../src/queues/queue-names';
import { QueuesService } from '../src/queues/queues.service';
import { IngestQueue, ingestJobId } from '../src/results/ingest-queue.service';
import { IngestChunkJob } from '../src/results/jobs/ingest-chunk.job';
import { eventually, TestAgent } from './support/agent-client';
import { LOG4J_2_14, LOG4J_2_17, scanIngested, seedHost } from './support/seed';
import { startTestController, TestController, TestDatabase } from './support/test-controller';

function chunk(commandId: string, sequence = 0, totalChunks = 1): UploadResultsRequest {
  return { commandId, sequence, totalChunks, findings: [LOG4J_2_14], errors: [] };
}

/** A new host with an agent and a scan command for it (created through the REST API). */
async function hostWithScan(
  controller: TestController,
  agents: TestAgent[],
): Promise<{ agent: TestAgent; commandId: string }> {
  const agent = await seedHost(controller);
  agents.push(agent);
  const res = await controller
    .http()
    .post(`/api/v1/hosts/${agent.hostId}/scans`)
    .set('Authorization', `Bearer ${controller.adminToken}`)
    .send({});
  expect(res.status).toBe(201);
  return { agent, commandId: (res.body as { id: string }).id };
}

/** A controller of its own (with these settings) for a describe block, closed after it. */
function ownController(env: Record<string, string>): {
  controller: () => TestController;
  agents: TestAgent[];
} {
  let controller: TestController;
  const agents: TestAgent[] = [];
  beforeAll(async () => {
    controller = await startTestController({ env });
  });
  afterAll(async () => {
    agents.forEach((a) => a.close());
    await controller.close();
  });
  return { controller: () => controller, agents };
}

jest.setTimeout(60_000);

describe.each<TestDatabase>(['sqlite', 'postgres'])('result ingestion on %s', (database) => {
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
  const admin = () => `Bearer ${controller.adminToken}`;

  /** The worker of this suite takes no ingest job until resume(). */
  async function stopIngestion(): Promise<void> {
    await ingestQueue().pause();
  }

  const agentWithScan = () => hostWithScan(controller, agents);

  async function findingsOf(hostId: string): Promise<number> {
    const res = await controller
      .http()
      .get('/api/v1/findings')
      .query({ hostId })
      .set('Authorization', admin());
    return (res.body as { total: number }).total;
  }

  async function auditCount(hostId: string, action: string): Promise<number> {
    const res = await controller
      .http()
      .get('/api/v1/audit')
      .query({ hostId, action })
      .set('Authorization', admin());
    return (res.body as { total: number }).total;
  }

  async function jobFinished(jobId: string): Promise<void> {
    await eventually(async () => {
      const job = await ingestQueue().getJob(jobId);
      return job && (await job.getState()) === 'completed' ? true : undefined;
    }, `ingest job ${jobId} completed`);
  }

  it('stores a chunk uploaded twice, with the worker stopped in between, once', async () => {
    const { agent, commandId } = await agentWithScan();
    await stopIngestion();
    expect(await agent.upload(chunk(commandId))).toEqual({
      duplicate: false,
      chunksReceived: 1,
      complete: true,
    });
    expect(await agent.upload(chunk(commandId))).toEqual({
      duplicate: true,
      chunksReceived: 1,
      complete: true,
    });
    expect(await findingsOf(agent.hostId)).toBe(0);
    await ingestQueue().resume();
    await scanIngested(controller, agent.hostId, commandId);
    await jobFinished(ingestJobId({ commandId, sequence: 0 }));
    expect(await findingsOf(agent.hostId)).toBe(1);
    expect(await auditCount(agent.hostId, 'scan.completed')).toBe(1);
  });

  it('stores nothing twice when a job is retried after a crash', async () => {
    const { agent, commandId } = await agentWithScan();
    await stopIngestion();
    await agent.upload(chunk(commandId));
    const job = controller.app.get(IngestChunkJob);
    const data = { agentId: agent.agentId, commandId, sequence: 0 };
    // The processor ran and committed, then the worker died before BullMQ recorded it: run again.
    await job.handle(data);
    await job.handle(data);
    await Promise.all([job.handle(data), job.handle(data)]);
    await ingestQueue().resume();
    await jobFinished(ingestJobId({ commandId, sequence: 0 }));
    expect(await findingsOf(agent.hostId)).toBe(1);
    expect(await auditCount(agent.hostId, 'scan.completed')).toBe(1);
    expect(await auditCount(agent.hostId, 'host.status_changed')).toBe(1);
  });

  it("keeps the newest scan's verdict when an older scan's results are ingested last", async () => {
    const { agent, commandId: older } = await agentWithScan();
    const res = await controller
      .http()
      .post(`/api/v1/hosts/${agent.hostId}/scans`)
      .set('Authorization', admin())
      .send({});
    const newer = (res.body as { id: string }).id;
    await agent.upload(chunk(newer));
    await scanIngested(controller, agent.hostId, newer);
    // The older scan's results come from the agent's outbox after the newer ones: clean.
    await agent.upload({ ...chunk(older), findings: [LOG4J_2_17] });
    await jobFinished(ingestJobId({ commandId: older, sequence: 0 }));
    const detail = await controller
      .http()
      .get(`/api/v1/hosts/${agent.hostId}`)
      .set('Authorization', admin());
    const body = detail.body as {
      host: { status: string; flagged: boolean };
      latestScan: { commandId: string };
    };
    expect(body.host).toMatchObject({ status: 'vulnerable', flagged: false });
    expect(body.latestScan.commandId).toBe(newer);
    expect(await auditCount(agent.hostId, 'scan.completed')).toBe(2);
  });

  it("stores uploads that arrive together, refusing only the one for another agent's command", async () => {
    await stopIngestion();
    const scans = await Promise.all([1, 2, 3].map(() => agentWithScan()));
    const [a, b, c] = scans;
    const answers = await Promise.allSettled([
      a.agent.upload(chunk(a.commandId)),
      b.agent.upload(chunk(c.commandId)), // c's command, uploaded by b
      c.agent.upload(chunk(c.commandId)),
      b.agent.upload(chunk(b.commandId)),
    ]);
    expect(answers.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((answers[1] as PromiseRejectedResult).reason).toMatchObject({ code: status.NOT_FOUND });
    expect(String((answers[1] as PromiseRejectedResult).reason)).toContain(c.commandId);
    await ingestQueue().resume();
    for (const { agent, commandId } of scans)
      await scanIngested(controller, agent.hostId, commandId);
    for (const { agent } of scans) expect(await findingsOf(agent.hostId)).toBe(1);
  });

  it("refuses, naming the command, a scan's chunk that carries another kind's results, and stores nothing of it", async () => {
    const { agent, commandId } = await agentWithScan();
    const wrong: UploadResultsRequest = {
      ...chunk(commandId),
      kindResults: {
        kind: {
          $case: 'release',
          value: { state: 'released', code: '', reason: '', tableWasPresent: true },
        },
      },
    };
    const refused = await agent.upload(wrong).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(String(refused)).toContain(`command ${commandId} is a scan`);
    // The same scan's proper chunk is still taken: nothing of the refused one was kept.
    const answer = await agent.upload(chunk(commandId));
    expect(answer).toMatchObject({ duplicate: false, complete: true });
    await scanIngested(controller, agent.hostId, commandId);
    expect(await findingsOf(agent.hostId)).toBe(1);
  });

  it('ingests many chunks at once; a corrupt stored chunk is set aside alone, named, and can be retried', async () => {
    await stopIngestion();
    const scans = await Promise.all([1, 2, 3, 4].map(() => agentWithScan()));
    for (const { agent, commandId } of scans) await agent.upload(chunk(commandId));
    // Two scans of one host land in the same batch: the newer one (vulnerable) decides.
    const { agent: twice, commandId: older } = scans[0];
    const res = await controller
      .http()
      .post(`/api/v1/hosts/${twice.hostId}/scans`)
      .set('Authorization', admin())
      .send({});
    const newer = (res.body as { id: string }).id;
    await twice.upload(chunk(newer));
    await twice.upload({ ...chunk(older, 0, 1), findings: [LOG4J_2_17] }); // a duplicate: ignored
    const { agent: broken, commandId: brokenCommand } = await agentWithScan();
    await broken.upload(chunk(brokenCommand));
    // Field 1 with wire type 7: no protobuf decoder accepts it.
    await rawQuery(
      controller.app.get(DataSource).manager,
      'UPDATE result_chunks SET payload = $1 WHERE command_id = $2',
      [Buffer.from([0x0f, 0x00]).toString('base64'), brokenCommand],
    );
    await ingestQueue().resume();
    for (const { agent, commandId } of scans.slice(1))
      await scanIngested(controller, agent.hostId, commandId);
    await scanIngested(controller, twice.hostId, newer);
    await jobFinished(ingestJobId({ commandId: older, sequence: 0 }));
    for (const { agent } of scans.slice(1)) expect(await findingsOf(agent.hostId)).toBe(1);
    const detail = await controller
      .http()
      .get(`/api/v1/hosts/${twice.hostId}`)
      .set('Authorization', admin());
    expect(detail.body).toMatchObject({
      host: { status: 'vulnerable' },
      latestScan: { commandId: newer },
    });
    // The corrupt chunk is set aside with its reason, not retried for ever: the command's results
    // say so, the host's audit too, and its scan stays incomplete (the host keeps its state).
    const results = () =>
      controller
        .http()
        .get(`/api/v1/commands/${brokenCommand}/results`)
        .set('Authorization', admin());
    const setAside = await eventually(async () => {
      const body = (await results()).body as {
        failed: number;
        ingested: number;
        chunks: Array<{ failure: string | null; failedAt: string | null }>;
      };
      return body.failed === 1 ? body : undefined;
    }, 'the corrupt chunk set aside');
    expect(setAside).toMatchObject({ received: 1, ingested: 0, failed: 1 });
    expect(setAside.chunks[0].failure).toContain(
      `result chunk ${brokenCommand}/0 of agent ${broken.agentId} cannot be decoded`,
    );
    expect(await auditCount(broken.hostId, 'results.chunk_failed')).toBe(1);
    expect(await findingsOf(broken.hostId)).toBe(0);
    const brokenHost = await controller
      .http()
      .get(`/api/v1/hosts/${broken.hostId}`)
      .set('Authorization', admin());
    expect(brokenHost.body).toMatchObject({ host: { status: 'unknown' }, latestScan: null });
    // The sweep leaves it alone; a retry asked for by an operator tries again (and, still
    // corrupt, sets it aside again).
    await jobFinished(ingestJobId({ commandId: brokenCommand, sequence: 0 }));
    expect(await controller.app.get(IngestQueue).sweep()).toBe(0);
    const retry = await controller
      .http()
      .post(`/api/v1/commands/${brokenCommand}/results/retry`)
      .set('Authorization', admin());
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ requeued: 1 });
    await eventually(
      async () =>
        (await auditCount(broken.hostId, 'results.chunk_failed')) === 2 ? true : undefined,
      'the chunk set aside again after the retry',
    );
    expect(await auditCount(broken.hostId, 'results.retry_requested')).toBe(1);
    expect((await results()).body).toMatchObject({ failed: 1, ingested: 0 });
    await ingestQueue()
      .obliterate({ force: true })
      .catch(() => undefined);
  });

  it('re-enqueues, by the sweep, a chunk whose job Redis lost', async () => {
    const { agent, commandId } = await agentWithScan();
    await stopIngestion();
    await agent.upload(chunk(commandId));
    const id = ingestJobId({ commandId, sequence: 0 });
    expect(await ingestQueue().remove(id)).toBe(1);
    expect(await ingestQueue().getJob(id)).toBeUndefined();
    expect(await controller.app.get(IngestQueue).sweep()).toBeGreaterThanOrEqual(1);
    expect(await ingestQueue().getJob(id)).toBeDefined();
    await ingestQueue().resume();
    await scanIngested(controller, agent.hostId, commandId);
    expect(await findingsOf(agent.hostId)).toBe(1);
  });
});

describe('result ingestion under backlog', () => {
  const own = ownController({ INGEST_MAX_WAITING: '1' });

  it('answers RESOURCE_EXHAUSTED while more chunks than the limit wait, and accepts again after', async () => {
    const controller = own.controller();
    const queue = controller.app.get(QueuesService).queue(QueueName.ResultsIngest);
    const { agent, commandId } = await hostWithScan(controller, own.agents);
    await queue.pause();
    try {
      await agent.upload(chunk(commandId, 0, 3));
      await agent.upload(chunk(commandId, 1, 3));
      await expect(agent.upload(chunk(commandId, 2, 3))).rejects.toMatchObject({
        code: status.RESOURCE_EXHAUSTED,
      });
    } finally {
      await queue.resume();
    }
    // The agent kept the chunk in its outbox; once ingestion caught up it is taken.
    const answer = await eventually(
      () => agent.upload(chunk(commandId, 2, 3)).catch(() => undefined),
      'the upload accepted again',
    );
    expect(answer).toMatchObject({ duplicate: false, chunksReceived: 3, complete: true });
    await scanIngested(controller, agent.hostId, commandId);
  });
});

describe('result uploads over the in-flight limit', () => {
  const own = ownController({ UPLOAD_MAX_INFLIGHT_MB: '1' });

  it('refuses a burst of large chunks past UPLOAD_MAX_INFLIGHT_MB with RESOURCE_EXHAUSTED, then takes them', async () => {
    const controller = own.controller();
    const scans = [];
    for (let i = 0; i < 6; i++) scans.push(await hostWithScan(controller, own.agents));
    // About 300 KB each (400 KB as stored): six at once are over 1 MB.
    const big = (commandId: string): UploadResultsRequest => ({
      ...chunk(commandId),
      findings: Array.from({ length: 300 }, (_, i) => ({
        ...LOG4J_2_14,
        chain: [Buffer.from(`/opt/app-${i}/${'x'.repeat(900)}/log4j-core-2.14.1.jar`)],
      })),
    });
    const answers = await Promise.allSettled(scans.map((s) => s.agent.upload(big(s.commandId))));
    const refused = answers.filter((a) => a.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(answers.length);
    for (const r of refused) {
      expect(r.reason).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
      expect(String(r.reason)).toContain('UPLOAD_MAX_INFLIGHT_MB');
    }
    // The agents keep them and retry: one at a time they fit.
    for (const s of scans)
      await eventually(
        () => s.agent.upload(big(s.commandId)).catch(() => undefined),
        'the upload accepted',
      );
    for (const s of scans) await scanIngested(controller, s.agent.hostId, s.commandId);
  });
});
