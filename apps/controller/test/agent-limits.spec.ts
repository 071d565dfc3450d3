import { ServiceError, status } from '@grpc/grpc-js';
import { CommandState, Finding, UploadResultsRequest } from '@log4fleet/contracts';
import { DataSource } from 'typeorm';
import { rawQuery } from '../src/database/raw-query';
import { baseSnapshot } from '../src/inventory/inventory-fixtures';
import { JobName, QueueName } from '../src/queues/queue-names';
import { QueuesService } from '../src/queues/queues.service';
import { eventually, TestAgent } from './support/agent-client';
import { reportInventory } from './support/inventory-client';
import { LOG4J_2_14, scanIngested, seedHost } from './support/seed';
import {
  startTestController,
  type TestController,
  type TestDatabase,
} from './support/test-controller';

jest.setTimeout(90_000);

const DAY_MS = 86_400_000;

/** A finding whose path chain makes it about `bytes` (at most 4 KB) long on the wire. */
function bulkyFinding(index: number, bytes: number): Finding {
  return {
    ...LOG4J_2_14,
    chain: [Buffer.from(`/srv/bulk/${index}.jar`), Buffer.alloc(bytes, 'a')],
  };
}

/** A chunk of about `kb` KB: 100 findings of kb*10 bytes each. */
function bulkyChunk(
  commandId: string,
  sequence: number,
  totalChunks: number,
  kb: number,
): UploadResultsRequest {
  return {
    commandId,
    sequence,
    totalChunks,
    findings: Array.from({ length: 100 }, (_, i) => bulkyFinding(sequence * 100 + i, kb * 10)),
    errors: [],
  };
}

async function grpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded');
}

describe.each<TestDatabase>(['sqlite', 'postgres'])(
  'per-agent limits and retention on %s',
  (database) => {
    let c: TestController;
    const agents: TestAgent[] = [];

    beforeAll(async () => {
      c = await startTestController({
        database,
        env: {
          INVENTORY_REPORTS_PER_HOUR: '3',
          RESULT_MAX_CHUNKS_PER_COMMAND: '4',
          RESULT_MAX_MB_PER_COMMAND: '1',
          RESULT_MAX_MB_PER_AGENT_HOUR: '1',
          INVENTORY_KEEP_SNAPSHOTS: '2',
          INVENTORY_RETENTION_DAYS: '1',
          RESULT_PAYLOAD_RETENTION_DAYS: '1',
        },
      });
    });

    afterAll(async () => {
      agents.forEach((a) => a.close());
      await c?.close();
    });

    const admin = () => `Bearer ${c.adminToken}`;
    const db = () => c.app.get(DataSource).manager;

    async function newAgent(): Promise<TestAgent> {
      const agent = await seedHost(c);
      agents.push(agent);
      return agent;
    }

    async function scanCommand(agent: TestAgent): Promise<string> {
      const res = await c
        .http()
        .post(`/api/v1/hosts/${agent.hostId}/scans`)
        .set('Authorization', admin())
        .send({});
      expect(res.status).toBe(201);
      return (res.body as { id: string }).id;
    }

    async function command(id: string): Promise<{ state: string; message: string | null }> {
      const res = await c.http().get(`/api/v1/commands/${id}`).set('Authorization', admin());
      return res.body as { state: string; message: string | null };
    }

    async function results(
      id: string,
    ): Promise<{ received: number; chunks: Array<{ ingestedAt: string | null }> }> {
      const res = await c
        .http()
        .get(`/api/v1/commands/${id}/results`)
        .set('Authorization', admin());
      return res.body as { received: number; chunks: Array<{ ingestedAt: string | null }> };
    }

    async function snapshotsOf(
      hostId: string,
    ): Promise<Array<{ collected_at_ms: number | string }>> {
      const { rows } = await rawQuery<{ collected_at_ms: number | string }>(
        db(),
        'SELECT collected_at_ms FROM inventory_snapshots WHERE host_id = $1 ORDER BY collected_at_ms',
        [hostId],
      );
      return rows;
    }

    async function auditActions(hostId: string, action: string): Promise<number> {
      const res = await c
        .http()
        .get('/api/v1/audit')
        .query({ hostId, action })
        .set('Authorization', admin());
      return (res.body as { total: number }).total;
    }

    it('M5: ReportInventory past INVENTORY_REPORTS_PER_HOUR gets RESOURCE_EXHAUSTED saying when to retry, and stores nothing more', async () => {
      const agent = await newAgent();
      const t0 = Date.now();
      for (let i = 0; i < 3; i++)
        expect(
          await reportInventory(agent, { snapshot: baseSnapshot(), collectedAtMs: t0 + i }),
        ).toMatchObject({ duplicate: false });
      for (let i = 3; i < 5; i++) {
        const error = await grpcError(
          reportInventory(agent, { snapshot: baseSnapshot(), collectedAtMs: t0 + i }),
        );
        expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
        expect(error.details).toMatch(/at most 3, INVENTORY_REPORTS_PER_HOUR\); retry after \d+ s/);
      }
      expect(await snapshotsOf(agent.hostId)).toHaveLength(3);
    });

    it('M5: a command of more than RESULT_MAX_CHUNKS_PER_COMMAND chunks is refused, stores nothing, and fails with the reason', async () => {
      const agent = await newAgent();
      const commandId = await scanCommand(agent);
      const error = await grpcError(
        agent.upload({
          commandId,
          sequence: 0,
          totalChunks: 5,
          findings: [LOG4J_2_14],
          errors: [],
        }),
      );
      expect(error.code).toBe(status.FAILED_PRECONDITION);
      expect(error.details).toContain('over the limit of 4 chunks per command');
      expect((await results(commandId)).received).toBe(0);
      const failed = await eventually(async () => {
        const body = await command(commandId);
        return body.state === 'failed' ? body : undefined;
      }, 'the command to fail');
      expect(failed.message).toContain('RESULT_MAX_CHUNKS_PER_COMMAND');
      expect(await auditActions(agent.hostId, 'results.refused')).toBe(1);
    });

    it('M5: results past RESULT_MAX_MB_PER_COMMAND are refused, what was stored stays, and the command fails with the reason', async () => {
      const agent = await newAgent();
      const commandId = await scanCommand(agent);
      // As the real agent does: it reports success (with its chunk count), then uploads.
      const stream = agent.connect();
      for (const state of [
        CommandState.COMMAND_STATE_STARTED,
        CommandState.COMMAND_STATE_SUCCEEDED,
      ])
        stream.send({
          kind: {
            $case: 'update',
            value: { commandId, state, message: '', atMs: Date.now(), totalChunks: 4 },
          },
        });
      await eventually(
        async () => ((await command(commandId)).state === 'succeeded' ? true : undefined),
        'the agent to report success',
      );
      // Three chunks of about 300 KB fit in 1 MB; the fourth does not.
      for (let sequence = 0; sequence < 3; sequence++)
        expect(await agent.upload(bulkyChunk(commandId, sequence, 4, 300))).toMatchObject({
          duplicate: false,
        });
      const error = await grpcError(agent.upload(bulkyChunk(commandId, 3, 4, 300)));
      expect(error.code).toBe(status.FAILED_PRECONDITION);
      expect(error.details).toMatch(
        /over the limit of 1 MB per command \(RESULT_MAX_MB_PER_COMMAND\)/,
      );
      // A retry is refused the same way and stores nothing.
      expect((await grpcError(agent.upload(bulkyChunk(commandId, 3, 4, 300)))).code).toBe(
        status.FAILED_PRECONDITION,
      );
      expect((await results(commandId)).received).toBe(3);
      const failed = await eventually(async () => {
        const body = await command(commandId);
        return body.state === 'failed' ? body : undefined;
      }, 'the command to fail');
      expect(failed.message).toContain('RESULT_MAX_MB_PER_COMMAND');
      expect(await auditActions(agent.hostId, 'results.refused')).toBe(1);
      stream.close();
    });

    it('M5: an agent past RESULT_MAX_MB_PER_AGENT_HOUR gets RESOURCE_EXHAUSTED for its next upload, which stores nothing', async () => {
      const agent = await newAgent();
      const first = await scanCommand(agent);
      for (let sequence = 0; sequence < 3; sequence++)
        await agent.upload(bulkyChunk(first, sequence, 3, 300));
      const second = await scanCommand(agent);
      const error = await grpcError(agent.upload(bulkyChunk(second, 0, 1, 300)));
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(error.details).toMatch(
        /at most 1 MB, RESULT_MAX_MB_PER_AGENT_HOUR\); keep the chunk and retry later/,
      );
      expect((await results(second)).received).toBe(0);
      // Retryable: the command goes on.
      expect((await command(second)).state).not.toBe('failed');
    });

    it('M5: the retention job deletes old snapshots beyond the newest of each host and old ingested payloads, and keeps the rest', async () => {
      // Host a: four snapshots, all old: the two newest stay. Host b: one old snapshot: it stays.
      const a = await newAgent();
      const b = await newAgent();
      const t0 = Date.now();
      for (let i = 0; i < 3; i++)
        await reportInventory(a, { snapshot: baseSnapshot(), collectedAtMs: t0 + i });
      await reportInventory(b, { snapshot: baseSnapshot(), collectedAtMs: t0 });
      const old = new Date(Date.now() - 2 * DAY_MS).toISOString();
      await rawQuery(
        db(),
        'UPDATE inventory_snapshots SET received_at = $1 WHERE host_id IN ($2, $3)',
        [old, a.hostId, b.hostId],
      );
      // One more of host a, recent.
      await reportInventory(a, { snapshot: baseSnapshot(), collectedAtMs: t0 + 3 });
      // Two ingested scans of host b: one long ago, one now.
      const oldScan = await scanCommand(b);
      await b.upload({
        commandId: oldScan,
        sequence: 0,
        totalChunks: 1,
        findings: [LOG4J_2_14],
        errors: [],
      });
      await scanIngested(c, b.hostId, oldScan);
      await rawQuery(db(), 'UPDATE result_chunks SET ingested_at = $1 WHERE command_id = $2', [
        old,
        oldScan,
      ]);
      const newScan = await scanCommand(b);
      await b.upload({
        commandId: newScan,
        sequence: 0,
        totalChunks: 1,
        findings: [LOG4J_2_14],
        errors: [],
      });
      await scanIngested(c, b.hostId, newScan);

      const queue = c.app.get(QueuesService).queue(QueueName.ResultsMaintenance);
      const job = await queue.add(
        JobName.RetentionPrune,
        {},
        { jobId: `test-prune-${Date.now()}` },
      );
      await eventually(
        async () => ((await job.getState()) === 'completed' ? true : undefined),
        'the retention job to run',
      );

      expect((await snapshotsOf(a.hostId)).map((s) => Number(s.collected_at_ms))).toEqual([
        t0 + 2,
        t0 + 3,
      ]);
      expect(await snapshotsOf(b.hostId)).toHaveLength(1);
      const { rows } = await rawQuery<{ command_id: string; kept: number | string }>(
        db(),
        `SELECT command_id, CASE WHEN payload IS NULL THEN 0 ELSE 1 END AS kept
       FROM result_chunks WHERE command_id IN ($1, $2)`,
        [oldScan, newScan],
      );
      expect(Object.fromEntries(rows.map((r) => [r.command_id, Number(r.kept)]))).toEqual({
        [oldScan]: 0,
        [newScan]: 1,
      });
      // What GET /commands/:id/results shows does not need the bytes.
      expect((await results(oldScan)).chunks).toEqual([
        expect.objectContaining({ ingestedAt: expect.any(String) as string }),
      ]);
      const findings = await c
        .http()
        .get('/api/v1/findings')
        .query({ hostId: b.hostId })
        .set('Authorization', admin());
      expect((findings.body as { total: number }).total).toBeGreaterThan(0);
    });
  },
);
