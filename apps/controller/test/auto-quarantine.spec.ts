import { eventually, type TestAgent } from './support/agent-client';
import { LOG4J_2_14, LOG4J_2_17, scanIngested, seedHost } from './support/seed';
import { startTestController, TestController, TestDatabase } from './support/test-controller';
import { QueueName } from '../src/queues/queue-names';
import { QueuesService } from '../src/queues/queues.service';

/**
 * Issue 15's optional policy (AUTO_QUARANTINE, off by default): a scan that makes a host
 * `vulnerable` quarantines it in the configured mode, through the same path as
 * POST /hosts/:id/quarantine, once, after the ingestion committed. Scan results are uploaded over
 * real gRPC to a real controller on SQLite and PostgreSQL.
 */
jest.setTimeout(90_000);

interface Command {
  id: string;
  kind: string;
  payload: { mode?: string };
  createdBy: string;
  state: string;
}
interface Host {
  status: string;
  containment: { state: string; mode: string | null; commandId: string | null } | null;
}

describe.each<TestDatabase>(['sqlite', 'postgres'])('AUTO_QUARANTINE on %s', (database) => {
  const agents: TestAgent[] = [];
  afterAll(() => agents.forEach((a) => a.close()));

  const admin = (c: TestController) => `Bearer ${c.adminToken}`;
  const host = async (c: TestController, agent: TestAgent): Promise<Host> =>
    (
      (await c.http().get(`/api/v1/hosts/${agent.hostId}`).set('Authorization', admin(c))).body as {
        host: Host;
      }
    ).host;
  const quarantines = async (c: TestController, agent: TestAgent): Promise<Command[]> =>
    (
      (await c.http().get(`/api/v1/hosts/${agent.hostId}/commands`).set('Authorization', admin(c)))
        .body as Command[]
    ).filter((x) => x.kind === 'quarantine');
  /**
   * Every ingest job done: the policy runs in the job after its transaction committed, so once
   * the queue is idle whatever it was going to create exists.
   */
  const ingestionIdle = (c: TestController) =>
    eventually(async () => {
      const queue = c.app.get(QueuesService).queue(QueueName.ResultsIngest);
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0) ? true : undefined;
    }, 'the ingest queue idle');
  /** A vulnerable host (its first scan saw log4j-core 2.14.1), every ingestion done. */
  const vulnerableHost = async (c: TestController, hostname: string): Promise<TestAgent> => {
    const agent = await seedHost(c, { hostname, findings: [LOG4J_2_14] });
    agents.push(agent);
    await ingestionIdle(c);
    return agent;
  };
  const scan = async (c: TestController, agent: TestAgent, findings = [LOG4J_2_14]) => {
    const res = await c
      .http()
      .post(`/api/v1/hosts/${agent.hostId}/scans`)
      .set('Authorization', admin(c))
      .send({});
    const commandId = (res.body as { id: string }).id;
    await agent.upload({ commandId, sequence: 0, totalChunks: 1, findings, errors: [] });
    await scanIngested(c, agent.hostId, commandId);
    await ingestionIdle(c);
  };

  describe('off (the default)', () => {
    let c: TestController;
    beforeAll(async () => {
      c = await startTestController({ database });
    });
    afterAll(() => c?.close());

    it('a scan that makes a host vulnerable creates no quarantine command', async () => {
      const agent = await vulnerableHost(c, 'policy-off');
      expect(await host(c, agent)).toMatchObject({ status: 'vulnerable', containment: null });
      expect(await quarantines(c, agent)).toEqual([]);
    });
  });

  describe('AUTO_QUARANTINE=egress-block', () => {
    let c: TestController;
    beforeAll(async () => {
      c = await startTestController({ database, env: { AUTO_QUARANTINE: 'egress-block' } });
    });
    afterAll(() => c?.close());

    it('quarantines the host in that mode, as system:auto-quarantine, audited, once', async () => {
      const agent = await vulnerableHost(c, 'policy-on');
      const [command, ...more] = await quarantines(c, agent);
      expect(more).toEqual([]);
      expect(command).toMatchObject({
        kind: 'quarantine',
        createdBy: 'system:auto-quarantine',
        payload: expect.objectContaining({ mode: 'egress-block' }) as unknown,
      });
      expect(await host(c, agent)).toMatchObject({
        status: 'vulnerable',
        containment: { state: 'requested', mode: 'egress-block', commandId: command.id },
      });
      const audit = await c
        .http()
        .get(`/api/v1/audit?hostId=${agent.hostId}&action=containment.requested`)
        .set('Authorization', admin(c));
      const [requested] = (
        audit.body as { items: Array<{ actor: string; details: Record<string, unknown> }> }
      ).items;
      expect(requested.actor).toBe('system:auto-quarantine');
      expect(requested.details).toMatchObject({
        commandId: command.id,
        reason: expect.stringContaining('AUTO_QUARANTINE=egress-block') as unknown,
      });

      // Still vulnerable: no new verdict, no second command.
      await scan(c, agent);
      // Clean, then vulnerable again while the quarantine is still requested: no second one.
      await scan(c, agent, [LOG4J_2_17]);
      expect((await host(c, agent)).status).toBe('clean');
      await scan(c, agent);
      expect((await host(c, agent)).status).toBe('vulnerable');
      expect((await quarantines(c, agent)).map((q) => q.id)).toEqual([command.id]);
    });
  });
});
