import { Finding, ScanError, UploadResultsRequest } from '@log4fleet/contracts';
import { DataSource } from 'typeorm';
import { QueuesService } from '../src/queues/queues.service';
import { QueueName } from '../src/queues/queue-names';
import { ingestJobId } from '../src/results/ingest-queue.service';
import { eventually, TestAgent } from './support/agent-client';
import { LOG4J_2_14, LOG4J_2_17, scanIngested, seedHost } from './support/seed';
import { startTestController, TestController, TestDatabase } from './support/test-controller';

jest.setTimeout(60_000);

const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))),
  );

/** Path elements as an agent sends them (bytes), and the text form the controller must show. */
const NUL_ENTRY = {
  chain: [bytes('/opt/app/app.war'), bytes('WEB-INF/lib/log4j', [0x00], 'core-2.14.1.jar')],
  text: '/opt/app/app.war!/WEB-INF/lib/log4j\\x00core-2.14.1.jar',
};
const LATIN1_FILE = {
  chain: [bytes('/opt/caf', [0xe9], '/log4j-core-2.14.1.jar')],
  text: '/opt/caf\\xe9/log4j-core-2.14.1.jar',
};
const FF_FILE = {
  chain: [bytes('/opt/', [0xff], '.jar')],
  text: '/opt/\\xff.jar',
};
const BACKSLASH_FILE = {
  chain: [bytes('/opt/back\\slash/log4j-core-2.17.1.jar')],
  text: '/opt/back\\\\slash/log4j-core-2.17.1.jar',
};
const UTF8_FILE = {
  chain: [bytes('/srv/données/日本/log4j-core-2.17.1.jar')],
  text: '/srv/données/日本/log4j-core-2.17.1.jar',
};
const ERROR_ENTRY = {
  chain: [bytes('/opt/broken.ear'), bytes('lib/', [0x00, 0x0a], 'x.jar')],
  text: '/opt/broken.ear!/lib/\\x00\\x0ax.jar',
};

interface FindingBody {
  path: string;
  chain: string[];
  chainBase64: string[];
  version: string;
  status: string;
}

describe.each<TestDatabase>(['sqlite', 'postgres'])('result paths on %s', (database) => {
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
  const get = (url: string, query: Record<string, string> = {}) =>
    controller.http().get(url).query(query).set('Authorization', admin());

  async function newScan(hostId: string, body: object = {}): Promise<string> {
    const res = await controller
      .http()
      .post(`/api/v1/hosts/${hostId}/scans`)
      .set('Authorization', admin())
      .send(body);
    expect(res.status).toBe(201);
    return (res.body as { id: string }).id;
  }

  async function agentWithScan(): Promise<{ agent: TestAgent; commandId: string }> {
    const agent = await seedHost(controller);
    agents.push(agent);
    return { agent, commandId: await newScan(agent.hostId) };
  }

  it('H4: chain entries holding a NUL, bytes that are not UTF-8, a backslash and UTF-8 are stored, shown in the text form, found, exported, and pasted back as the same bytes', async () => {
    const { agent, commandId } = await agentWithScan();
    const findings: Finding[] = [
      { ...LOG4J_2_14, chain: NUL_ENTRY.chain, version: '2.14.1' },
      { ...LOG4J_2_14, chain: LATIN1_FILE.chain },
      { ...LOG4J_2_17, chain: FF_FILE.chain },
      { ...LOG4J_2_17, chain: BACKSLASH_FILE.chain },
      { ...LOG4J_2_17, chain: UTF8_FILE.chain },
    ];
    const errors: ScanError[] = [
      { chain: ERROR_ENTRY.chain, code: 'corrupt-archive', message: 'entry lib/\u0000 is corrupt' },
    ];
    await agent.upload({ commandId, sequence: 0, totalChunks: 1, findings, errors });
    await scanIngested(controller, agent.hostId, commandId);

    const detail = (await get(`/api/v1/hosts/${agent.hostId}`)).body as {
      host: { status: string };
      findings: FindingBody[];
      errors: Array<{ path: string; chainBase64: string[]; message: string }>;
    };
    expect(detail.host.status).toBe('vulnerable');
    const expected = [NUL_ENTRY, LATIN1_FILE, FF_FILE, BACKSLASH_FILE, UTF8_FILE];
    expect(detail.findings.map((f) => f.path).sort()).toEqual(expected.map((e) => e.text).sort());
    // Every element reads back in the text form and, base64, as the exact bytes the agent sent.
    for (const e of expected) {
      const f = detail.findings.find((x) => x.path === e.text)!;
      expect(f.chain).toEqual(e.text.split('!/'));
      expect(f.chainBase64.map((b) => Buffer.from(b, 'base64'))).toEqual(e.chain);
    }
    expect(detail.errors).toHaveLength(1);
    expect(detail.errors[0].path).toBe(ERROR_ENTRY.text);
    expect(detail.errors[0].chainBase64.map((b) => Buffer.from(b, 'base64'))).toEqual(
      ERROR_ENTRY.chain,
    );
    expect(detail.errors[0].message).toBe('entry lib/\uFFFD is corrupt');

    // pathContains takes the same text form.
    const search = async (pathContains: string) =>
      (
        (await get('/api/v1/findings', { hostId: agent.hostId, pathContains })).body as {
          items: FindingBody[];
        }
      ).items.map((f) => f.path);
    expect(await search('log4j\\x00core')).toEqual([NUL_ENTRY.text]);
    expect(await search('\\xFF')).toEqual([FF_FILE.text]);
    expect(await search('\\xe9/')).toEqual([LATIN1_FILE.text]);
    expect(await search('back\\\\slash')).toEqual([BACKSLASH_FILE.text]);
    expect(await search('données/日本')).toEqual([UTF8_FILE.text]);

    // Both exports show it.
    const csv = await get('/api/v1/findings/export', { hostId: agent.hostId, format: 'csv' });
    expect(csv.status).toBe(200);
    for (const e of expected) expect(csv.text).toContain(e.text);
    expect(csv.text).not.toContain('\u0000');
    const json = await get('/api/v1/findings/export', { hostId: agent.hostId, format: 'json' });
    // An array, or (with the export's truncation signals) {"total", "truncated", "items"}.
    const body = JSON.parse(json.text) as FindingBody[] | { items: FindingBody[] };
    const exported = Array.isArray(body) ? body : body.items;
    expect(exported.map((f) => f.path).sort()).toEqual(expected.map((e) => e.text).sort());

    // A path shown in a finding, pasted into a scan request, reaches the agent as its bytes.
    const stream = agent.connect();
    try {
      // Connected once the pending scan is pushed. (Not before: creating a scan while its agent's
      // stream opens can deadlock on PostgreSQL, the connect's row locks against the INSERT's
      // foreign-key checks; a separate bug, reported.)
      await stream.next(
        (m) => (m.kind?.$case === 'command' && m.kind.value.id === commandId ? true : undefined),
        'the pending scan pushed on connect',
      );
      const rescan = await newScan(agent.hostId, {
        paths: [FF_FILE.text, LATIN1_FILE.text, BACKSLASH_FILE.text, NUL_ENTRY.text.split('!/')[0]],
      });
      const command = await stream.next(
        (m) =>
          m.kind?.$case === 'command' && m.kind.value.id === rescan ? m.kind.value : undefined,
        'the rescan pushed to the agent',
      );
      expect(command.kind?.$case === 'scan' && command.kind.value.paths).toEqual([
        FF_FILE.chain[0],
        LATIN1_FILE.chain[0],
        BACKSLASH_FILE.chain[0],
        NUL_ENTRY.chain[0],
      ]);
    } finally {
      stream.close();
    }
  });

  it('H4: a scan request whose path is not in the text form is refused, naming it', async () => {
    const agent = await seedHost(controller);
    agents.push(agent);
    for (const paths of [['/opt/ok', 'C:\\temp'], ['/opt/\\x4']]) {
      const res = await controller
        .http()
        .post(`/api/v1/hosts/${agent.hostId}/scans`)
        .set('Authorization', admin())
        .send({ paths });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain(`paths[${paths.length - 1}]`);
    }
    const campaign = await controller
      .http()
      .post('/api/v1/campaigns')
      .set('Authorization', admin())
      .send({ selector: { hostIds: [agent.hostId] }, scan: { paths: ['/opt/\\q'] } });
    expect(campaign.status).toBe(400);
    expect(JSON.stringify(campaign.body)).toContain('paths[0]');
  });

  describe('a chunk the database refuses', () => {
    const db = () => controller.app.get(DataSource);
    const ingestQueue = () => controller.app.get(QueuesService).queue(QueueName.ResultsIngest);

    /** A trigger that refuses findings of one version, as a database refuses a value for good. */
    async function refuseVersion(version: string, transient: boolean): Promise<void> {
      if (database === 'postgres') {
        await db().query(`CREATE TABLE IF NOT EXISTS l4f_refuse (version text PRIMARY KEY)`);
        await db().query(
          `CREATE OR REPLACE FUNCTION l4f_refuse() RETURNS trigger AS $$
           BEGIN
             IF EXISTS (SELECT 1 FROM l4f_refuse WHERE version = NEW.version AND NEW.version = 'poison') THEN
               RAISE EXCEPTION 'invalid byte sequence for encoding "UTF8": 0x00' USING ERRCODE = '22021';
             END IF;
             IF EXISTS (SELECT 1 FROM l4f_refuse WHERE version = NEW.version AND NEW.version <> 'poison') THEN
               RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001';
             END IF;
             RETURN NEW;
           END $$ LANGUAGE plpgsql`,
        );
        await db().query(
          `DROP TRIGGER IF EXISTS l4f_refuse ON findings;
           CREATE TRIGGER l4f_refuse BEFORE INSERT ON findings FOR EACH ROW EXECUTE FUNCTION l4f_refuse()`,
        );
        await db().query(`INSERT INTO l4f_refuse (version) VALUES ($1)`, [version]);
        return;
      }
      expect(transient).toBe(false); // SQLite has no transient error a trigger can raise
      await db().query(
        `CREATE TRIGGER IF NOT EXISTS l4f_refuse BEFORE INSERT ON findings
         WHEN NEW.version = '${version}' BEGIN SELECT RAISE(ABORT, 'refused value'); END`,
      );
    }

    const chunk = (commandId: string, version: string): UploadResultsRequest => ({
      commandId,
      sequence: 0,
      totalChunks: 1,
      findings: [{ ...LOG4J_2_14, version }],
      errors: [],
    });

    async function results(commandId: string) {
      return (await get(`/api/v1/commands/${commandId}/results`)).body as {
        received: number;
        ingested: number;
        failed: number;
        chunks: Array<{ failure: string | null }>;
      };
    }

    it('H4: is set aside with the reason instead of being retried for ever; the others are ingested', async () => {
      await refuseVersion('poison', false);
      const { agent, commandId } = await agentWithScan();
      const { agent: other, commandId: fine } = await agentWithScan();
      await agent.upload(chunk(commandId, 'poison'));
      await other.upload(chunk(fine, '2.14.1'));
      await scanIngested(controller, other.hostId, fine);
      const body = await eventually(async () => {
        const r = await results(commandId);
        return r.failed === 1 ? r : undefined;
      }, 'the refused chunk set aside');
      expect(body).toMatchObject({ received: 1, ingested: 0, failed: 1 });
      expect(body.chunks[0].failure).toContain(
        `result chunk ${commandId}/0 of agent ${agent.agentId} cannot be stored`,
      );
      expect(body.chunks[0].failure).toContain(
        database === 'postgres' ? '22021' : 'SQLITE_CONSTRAINT_TRIGGER',
      );
      const audit = await get('/api/v1/audit', {
        hostId: agent.hostId,
        action: 'results.chunk_failed',
      });
      expect((audit.body as { total: number }).total).toBe(1);
      const host = await get(`/api/v1/hosts/${agent.hostId}`);
      expect(host.body).toMatchObject({ host: { status: 'unknown' }, latestScan: null });
    });

    if (database === 'postgres')
      it('H4: a transient database error is retried, not set aside', async () => {
        await refuseVersion('flaky', true);
        const { agent, commandId } = await agentWithScan();
        await agent.upload(chunk(commandId, 'flaky'));
        const id = ingestJobId({ commandId, sequence: 0 });
        await eventually(async () => {
          const job = await ingestQueue().getJob(id);
          return job && job.attemptsMade >= 1 ? true : undefined;
        }, 'an ingest attempt failed');
        expect(await results(commandId)).toMatchObject({ failed: 0, ingested: 0 });
        await db().query(`DELETE FROM l4f_refuse WHERE version = 'flaky'`);
        await scanIngested(controller, agent.hostId, commandId);
        expect(await results(commandId)).toMatchObject({ failed: 0, ingested: 1 });
      });
  });
});
