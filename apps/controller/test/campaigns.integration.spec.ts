import { Finding } from '@log4fleet/contracts';
import { CampaignRunner, campaignCommandId } from '../src/campaigns/campaign-runner.service';
import { VerificationService } from '../src/verification/verification.service';
import {
  CampaignTestController,
  startCampaignController,
  TestDatabase,
  waitFor,
  waitUntil,
} from './campaigns-support/harness';
import { SAFE_FINDING, SimAgent, VULNERABLE_FINDING } from './campaigns-support/sim-agent';

interface Coverage {
  targets: number;
  queued: number;
  delivered: number;
  running: number;
  succeeded: number;
  failed: number;
  offline: number;
  expired: number;
  cancelled: number;
  skipped: number;
  percentSucceeded: number;
}
interface CampaignDetail {
  id: string;
  status: string;
  statusReason: string | null;
  targetCount: number;
  coverage: Coverage;
  findings: {
    hostsScanned: number;
    hostsVulnerable: number;
    hostsClean: number;
    byCve: Array<{ cve: string; hosts: number; findings: number }>;
  };
}

jest.setTimeout(60_000);

describe.each<TestDatabase>(['sqlite', 'postgres'])(
  'scan campaigns on %s with real Redis and gRPC agents',
  (database) => {
    let controller: CampaignTestController;
    let admin: string;
    let operator: string;
    const agents: SimAgent[] = [];

    beforeAll(async () => {
      controller = await startCampaignController({ database });
      admin = controller.adminToken;
      operator = await controller.tokenFor('operator');
    });

    afterAll(async () => {
      agents.forEach((a) => a.close());
      await controller.dispose();
    });

    async function enrolled(
      tag: string,
      behavior: SimAgent['behavior'],
      findings: Finding[] = [],
      hostname?: string,
    ): Promise<SimAgent> {
      const res = await controller
        .http()
        .post('/api/v1/enrollment-tokens')
        .set('Authorization', `Bearer ${admin}`)
        .send({ name: `fleet-${tag}`, maxUses: 5, tags: [tag] });
      expect(res.status).toBe(201);
      const agent = new SimAgent([controller.grpcAddress], behavior, findings);
      agents.push(agent);
      const facts = SimAgent.facts();
      await agent.enroll(
        (res.body as { token: string }).token,
        hostname ? { ...facts, hostname } : facts,
      );
      return agent;
    }

    async function startCampaign(body: Record<string, unknown>): Promise<CampaignDetail> {
      const res = await controller
        .http()
        .post('/api/v1/campaigns')
        .set('Authorization', `Bearer ${operator}`)
        .send(body);
      expect(res.status).toBe(202);
      return res.body as CampaignDetail;
    }

    const campaign = async (id: string): Promise<CampaignDetail> => {
      const res = await controller
        .http()
        .get(`/api/v1/campaigns/${id}`)
        .set('Authorization', `Bearer ${operator}`);
      expect(res.status).toBe(200);
      return res.body as CampaignDetail;
    };

    /** Polls the campaign until ok; a timeout says what the campaign looked like last. */
    const until = async (id: string, what: string, ok: (c: CampaignDetail) => boolean) => {
      let seen: CampaignDetail | undefined;
      try {
        return await waitFor(async () => {
          seen = await campaign(id);
          return ok(seen) ? seen : undefined;
        }, what);
      } catch (error) {
        const last = seen && { status: seen.status, reason: seen.statusReason, ...seen.coverage };
        throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(last)}`);
      }
    };

    /** POST /campaigns/:id/cancel or /resume, as an operator. */
    const campaignAction = (id: string, action: 'cancel' | 'resume') =>
      controller
        .http()
        .post(`/api/v1/campaigns/${id}/${action}`)
        .set('Authorization', `Bearer ${operator}`)
        .send({});

    const auditActions = async (campaignId: string): Promise<string[]> => {
      const res = await controller
        .http()
        .get('/api/v1/audit?pageSize=500')
        .set('Authorization', `Bearer ${admin}`);
      const items = (
        res.body as { items: Array<{ action: string; details: { campaignId?: string } }> }
      ).items;
      return items.filter((e) => e.details.campaignId === campaignId).map((e) => e.action);
    };

    it('scans every tagged host: connected ones at once, an offline one when it connects, then completes', async () => {
      const tag = `dc:${database}-full`;
      const vulnerable = await enrolled(tag, 'succeed', [VULNERABLE_FINDING]);
      const clean = await enrolled(tag, 'succeed', [SAFE_FINDING]);
      const late = await enrolled(tag, 'succeed', []);
      await vulnerable.connect();
      await clean.connect();

      const created = await startCampaign({
        name: 'log4shell sweep',
        selector: { tags: [tag] },
        scan: { paths: ['/opt'] },
        pacePerSecond: 50,
      });
      expect(created).toMatchObject({ status: 'running', targetCount: 3 });

      const partial = await until(
        created.id,
        'two hosts scanned, one offline',
        (c) => c.coverage.succeeded === 2 && c.coverage.offline === 1,
      );
      expect(partial.coverage).toMatchObject({ targets: 3, succeeded: 2, offline: 1, failed: 0 });
      expect(partial.status).toBe('running');

      await late.connect();
      const done = await until(
        created.id,
        'the campaign to complete',
        (c) => c.status === 'completed',
      );
      expect(done.coverage).toMatchObject({
        targets: 3,
        succeeded: 3,
        offline: 0,
        queued: 0,
        percentSucceeded: 100,
      });
      // Results are ingested by a queue job after the upload was acknowledged.
      const ingested = await until(
        created.id,
        "the campaign's results ingested",
        (c) => c.findings.hostsScanned >= 3,
      );
      expect(ingested.findings).toMatchObject({
        hostsScanned: 3,
        hostsVulnerable: 1,
        hostsClean: 2,
      });
      expect(ingested.findings.byCve).toEqual(
        expect.arrayContaining([{ cve: 'CVE-2021-44228', hosts: 1, findings: 1 }]),
      );
      expect(late.commands).toHaveLength(1);
      expect(await auditActions(created.id)).toEqual(
        expect.arrayContaining(['campaign.created', 'campaign.completed']),
      );

      const host = await controller
        .http()
        .get(`/api/v1/hosts/${vulnerable.hostId}`)
        .set('Authorization', `Bearer ${operator}`);
      expect((host.body as { host: { status: string } }).host.status).toBe('vulnerable');
      const listed = await controller
        .http()
        .get('/api/v1/campaigns?status=completed')
        .set('Authorization', `Bearer ${operator}`);
      expect((listed.body as { items: Array<{ id: string }> }).items.map((c) => c.id)).toContain(
        created.id,
      );
    });

    it('runs a campaign of an explicit kind scan with params: each host gets a scan command with them', async () => {
      const tag = `dc:${database}-kind`;
      const agent = await enrolled(tag, 'succeed', [VULNERABLE_FINDING]);
      await agent.connect();
      const params = { paths: ['/srv/app'], exclude: ['/srv/app/cache'], threads: 3 };
      const created = await startCampaign({ selector: { tags: [tag] }, kind: 'scan', params });
      expect(created).toMatchObject({ kind: 'scan', commandKind: 'scan', params, scan: params });
      const done = await until(
        created.id,
        'the campaign to complete',
        (c) => c.status === 'completed',
      );
      expect(done.coverage).toMatchObject({ targets: 1, succeeded: 1 });
      const command = await controller
        .http()
        .get(`/api/v1/commands/${campaignCommandId(created.id, agent.hostId)}`)
        .set('Authorization', `Bearer ${operator}`);
      expect(command.status).toBe(200);
      expect(command.body).toMatchObject({
        kind: 'scan',
        state: 'succeeded',
        payload: { ...params, processes: true, maxDepth: 0 },
      });
    });

    it('cancels: queued and delivered commands cancelled, connected agents told to stop', async () => {
      const tag = `dc:${database}-cancel`;
      const busy = await enrolled(tag, 'silent');
      const away = await enrolled(tag, 'succeed');
      await busy.connect();
      const created = await startCampaign({ selector: { tags: [tag] } });
      await until(
        created.id,
        'the connected host to hold its command',
        (c) => c.coverage.delivered === 1 && c.coverage.offline === 1,
      );

      const res = await campaignAction(created.id, 'cancel');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'cancelled',
        coverage: { cancelled: 2, delivered: 0, offline: 0 },
      });
      await waitUntil(() => busy.cancels.length === 1, 'the CancelCommand on the stream');
      expect(busy.cancels[0]).toBe(busy.commands[0]);

      // The agent that connects afterwards gets nothing from a cancelled campaign.
      await away.connect();
      await new Promise((r) => setTimeout(r, 300));
      expect(away.commands).toHaveLength(0);
      expect((await campaignAction(created.id, 'cancel')).status).toBe(409);
      expect(await auditActions(created.id)).toEqual(
        expect.arrayContaining(['campaign.created', 'campaign.cancelled']),
      );
    });

    it('holds the rest of the fleet behind a canary that fails, and pauses with the reason', async () => {
      const tag = `dc:${database}-canary`;
      // Targets are ordered by hostname: the failing host is the canary.
      const hosts = [
        await enrolled(tag, 'fail', [], 'aaa-canary'),
        await enrolled(tag, 'succeed', [], 'bbb-web'),
        await enrolled(tag, 'succeed', [], 'ccc-web'),
      ];
      for (const h of hosts) await h.connect();
      const created = await startCampaign({ selector: { tags: [tag] }, canarySize: 1 });
      expect(created.status).toBe('canary');
      const paused = await until(created.id, 'the campaign to pause', (c) => c.status === 'paused');
      expect(paused.statusReason).toMatch(/canary host .* did not succeed/);
      const commandsSent = hosts.reduce((n, h) => n + h.commands.length, 0);
      expect(commandsSent).toBe(1);
      expect(paused.coverage.queued).toBe(2);
      expect(await auditActions(created.id)).toContain('campaign.paused');

      // The operator looked and resumes: the rest gets scanned.
      const resumed = await campaignAction(created.id, 'resume');
      expect(resumed.status).toBe(200);
      const done = await until(
        created.id,
        'the two other hosts scanned',
        (c) => c.coverage.succeeded === 2,
      );
      expect(done.coverage).toMatchObject({ succeeded: 2, failed: 1 });
    });

    it('creates one command per host even when two jobs dispatch the same host at once', async () => {
      const tag = `dc:${database}-dup`;
      const canary = await enrolled(tag, 'silent', [], 'aaa-dup-canary');
      const other = await enrolled(tag, 'silent', [], 'bbb-dup-other');
      await canary.connect();
      await other.connect();
      const created = await startCampaign({ selector: { tags: [tag] }, canarySize: 1 });
      await waitUntil(() => canary.commands.length === 1, 'the canary command');
      // The second host waits behind the canary; two jobs (a retry and a resume, say) race for it.
      const runner = controller.app.get(CampaignRunner);
      await Promise.all([
        runner.dispatchHost(created.id, other.hostId, 'job-a'),
        runner.dispatchHost(created.id, other.hostId, 'job-b'),
      ]);
      await runner.dispatchHost(created.id, other.hostId, 'job-a');
      const commands = await controller
        .http()
        .get(`/api/v1/hosts/${other.hostId}/commands`)
        .set('Authorization', `Bearer ${operator}`);
      expect(commands.body).toHaveLength(1);
      await waitUntil(() => other.commands.length === 1, 'the one command on the second host');
    });

    it('verifies a recorded remediation by rescanning: clean -> verified, still vulnerable -> vulnerable', async () => {
      const tag = `dc:${database}-verify`;
      const fixed = await enrolled(tag, 'succeed', [VULNERABLE_FINDING], 'aaa-verify-fixed');
      const unfixed = await enrolled(tag, 'succeed', [VULNERABLE_FINDING], 'bbb-verify-unfixed');
      await fixed.connect();
      await unfixed.connect();
      const first = await startCampaign({ selector: { tags: [tag] } });
      await until(first.id, 'the first scan ingested', (c) => c.findings.hostsScanned === 2);
      const hostStatus = async (agent: SimAgent): Promise<string> =>
        (
          (
            await controller
              .http()
              .get(`/api/v1/hosts/${agent.hostId}`)
              .set('Authorization', `Bearer ${operator}`)
          ).body as { host: { status: string } }
        ).host.status;
      expect(await hostStatus(fixed)).toBe('vulnerable');

      const record = (agent: SimAgent, body: Record<string, unknown>, token = operator) =>
        controller
          .http()
          .post(`/api/v1/hosts/${agent.hostId}/remediations`)
          .set('Authorization', `Bearer ${token}`)
          .send(body);
      const bad = await record(fixed, { method: 'prayed', note: 'x' });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toMatch(/method must be one of/);
      expect((await record(fixed, { method: 'upgraded' })).status).toBe(400);
      const viewer = await controller.tokenFor('viewer');
      expect((await record(fixed, { method: 'upgraded', note: 'x' }, viewer)).status).toBe(403);

      // The operator upgraded log4j on one host; the other one's "fix" did not take.
      fixed.findings.splice(0, fixed.findings.length, SAFE_FINDING);
      const done = await record(fixed, {
        method: 'upgraded',
        note: 'log4j-core 2.17.1 installed from the vendor package',
        ticket: 'CHG-1234',
      });
      expect(done.status).toBe(201);
      const recorded = done.body as {
        commandId: string;
        hostStatus: string;
        verificationCampaignId: string;
        verificationQueued: boolean;
      };
      expect(recorded).toMatchObject({ hostStatus: 'remediated', verificationQueued: true });
      const notDone = (await record(unfixed, { method: 'removed-jndilookup', note: 'zip -d' }))
        .body as { commandId: string; verificationCampaignId: string };

      const verify = await until(
        recorded.verificationCampaignId,
        'the verification rescan of the fixed host',
        (c) => c.status === 'completed' && c.findings.hostsScanned === 1,
      );
      expect(verify).toMatchObject({ targetCount: 1 });
      expect((verify as unknown as { kind: string }).kind).toBe('verify');
      await until(
        notDone.verificationCampaignId,
        'the verification rescan of the unfixed host',
        (c) => c.status === 'completed' && c.findings.hostsScanned === 1,
      );
      await waitFor(
        async () => ((await hostStatus(fixed)) === 'verified' ? true : undefined),
        'the fixed host verified',
      );
      expect(await hostStatus(unfixed)).toBe('vulnerable');
      const command = async (id: string) =>
        (
          await controller
            .http()
            .get(`/api/v1/commands/${id}`)
            .set('Authorization', `Bearer ${operator}`)
        ).body as { state: string; kind: string; message: string | null };
      expect(await command(recorded.commandId)).toMatchObject({
        kind: 'remediate',
        state: 'verified',
      });
      expect(await command(notDone.commandId)).toMatchObject({
        kind: 'remediate',
        state: 'failed',
        message: expect.stringMatching(/still found vulnerable log4j/),
      });
      // One rescan per remediation, however often its success is reported.
      await controller.app.get(VerificationService).createRescan({
        commandId: recorded.commandId,
        hostId: fixed.hostId,
      });
      expect(fixed.commands).toHaveLength(2);
    });

    it('pauses itself when failures pass the threshold, holds what it had not sent, and sends it on resume', async () => {
      const tag = `dc:${database}-threshold`;
      const hosts = [
        await enrolled(tag, 'fail'),
        await enrolled(tag, 'fail'),
        await enrolled(tag, 'succeed'),
      ];
      for (const h of hosts) await h.connect();
      // Offline during the campaign: its command waits queued for it.
      const away = await enrolled(tag, 'succeed');
      const created = await startCampaign({ selector: { tags: [tag] }, failureThreshold: 1 });
      const paused = await until(
        created.id,
        'the campaign to pause and take back the offline host command',
        (c) => c.status === 'paused' && c.coverage.queued === 1,
      );
      expect(paused.statusReason).toMatch(/2 hosts failed, over the failure threshold of 1/);
      expect(paused.coverage).toMatchObject({ failed: 2, succeeded: 1, queued: 1, offline: 0 });
      expect(await auditActions(created.id)).toEqual(
        expect.arrayContaining(['campaign.paused', 'command.cancelled']),
      );

      // The host that comes back while the campaign is paused gets nothing.
      await away.connect();
      await new Promise((r) => setTimeout(r, 500));
      expect(away.commands).toHaveLength(0);

      const resumed = await campaignAction(created.id, 'resume');
      expect(resumed.status).toBe(200);
      // The two failures are accepted: it pauses again only when one more host fails.
      expect(resumed.body).toMatchObject({ status: 'running', failureThreshold: 3 });
      const done = await until(
        created.id,
        'the held host scanned',
        (c) => c.coverage.succeeded === 2,
      );
      expect(done.coverage).toMatchObject({ succeeded: 2, failed: 2, queued: 0, cancelled: 0 });
      expect(away.commands).toHaveLength(1);
    });
  },
);
