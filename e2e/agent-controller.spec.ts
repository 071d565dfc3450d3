import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentHost } from './support/agent-process';
import { ensureBuilt } from './support/build';
import { ControllerProcess, type DatabaseChoice } from './support/controller-process';
import { createPostgresDatabase, type TestDatabase } from './support/database';
import { writeBrokenJars, writeWar } from './support/fixtures';
import { eventually } from './support/ports';

// The whole system for real: the built controller process (SQLite, then PostgreSQL),
// two bundled agent processes enrolled through the REST API, scans triggered through it.

jest.setTimeout(180_000);

/** Unreadable jars in the scan made across the restart: one error each, 500 per chunk. */
const BROKEN_JARS = 2000;
const CHUNKS = 4;

interface HostDto {
  id: string;
  hostname: string;
  status: string;
}
interface FindingDto {
  chain: string[];
  path: string;
  version: string;
  status: string;
  cves: string[];
  commandId: string;
}
interface HostAdvisories {
  hostStatus: string;
  inventorySnapshotId: string | null;
  scanRunId: string | null;
  packages: number;
  jarScanProducts: number;
  matches: Array<{
    vendor: string;
    product: string;
    software: { source: string; name: string; version: string };
    advice: string;
  }>;
}
interface HostDetail {
  host: HostDto;
  latestScan: { commandId: string; summary: { findings: number; errors: number } } | null;
  findings: FindingDto[];
  errors: unknown[];
}
interface CommandDto {
  id: string;
  state: string;
  totalChunks: number | null;
}
interface Page<T> {
  items: T[];
  total: number;
}

// SQLite runs with a controller that hangs then crashes (SIGSTOP, SIGKILL), PostgreSQL
// with an orderly stop (SIGTERM).
describe.each(['sqlite', 'postgres'] as const)('agents and controller on %s', (databaseType) => {
  let work: string;
  let database: TestDatabase | undefined;
  let controller: ControllerProcess;
  let web: AgentHost;
  let db: AgentHost;
  const hostIds = new Map<string, string>();

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), `e2e-${databaseType}-`));
    let choice: DatabaseChoice = { type: 'sqlite', dir: work };
    if (databaseType === 'postgres') {
      database = await createPostgresDatabase();
      choice = { type: 'postgres', url: database.url };
    }
    controller = await ControllerProcess.start(choice);
    web = new AgentHost('web-1', path.join(work, 'web-1'));
    db = new AgentHost('db-1', path.join(work, 'db-1'));
  });

  afterAll(async () => {
    await web?.stop();
    await db?.stop();
    await controller?.stop();
    await database?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function hostDetail(name: string): Promise<HostDetail> {
    return controller.api<HostDetail>('GET', `/hosts/${hostIds.get(name)}`);
  }

  async function scan(name: string, paths: string[]): Promise<CommandDto> {
    return controller.api<CommandDto>('POST', `/hosts/${hostIds.get(name)}/scans`, {
      paths,
      threads: 1,
    });
  }

  async function commandDone(id: string): Promise<CommandDto> {
    try {
      return await eventually(`command ${id} to succeed`, async () => {
        const command = await controller.api<CommandDto>('GET', `/commands/${id}`);
        if (command.state === 'failed')
          throw new Error(`command failed: ${JSON.stringify(command)}`);
        return command.state === 'succeeded' ? command : undefined;
      });
    } catch (err) {
      // What each side saw, for whoever reads the failure.
      process.stderr.write(
        `web-1 log:\n${web.log.slice(-6000)}\ndb-1 log:\n${db.log.slice(-3000)}\ncontroller log:\n${controller.log.slice(-6000)}\n`,
      );
      throw err;
    }
  }

  /**
   * Leaves the controller down while web-1 holds the results of a scan in its outbox, and
   * returns the scan command. Either the controller hangs after pushing the command (the
   * agent scans, its uploads go unanswered) and then crashes, or web-1 is frozen while the
   * command is pushed, the controller stops, and web-1 thaws and scans with no controller.
   */
  async function makeResultsPendingAcrossRestart(target: string): Promise<CommandDto> {
    let command: CommandDto;
    if (databaseType === 'sqlite') {
      command = await scan('web-1', [target]);
      // Hang the controller as soon as web-1 has the command (its scan takes far longer).
      const received = command.id;
      await eventually(
        'web-1 to receive the command',
        () => (web.log.includes(received) ? true : undefined),
        30_000,
        5,
      );
      controller.freeze();
    } else {
      web.pause();
      command = await scan('web-1', [target]);
      await controller.stop();
      web.resume();
    }
    await eventually('web-1 to hold its results in the outbox', async () =>
      (await web.outboxChunks()) === CHUNKS ? true : undefined,
    );
    if (databaseType === 'sqlite') await controller.kill();
    return command;
  }

  it('enrolls two agents with a token created through the REST API', async () => {
    const created = await controller.api<{ token: string }>('POST', '/enrollment-tokens', {
      name: `e2e ${databaseType}`,
      maxUses: 2,
      tags: ['e2e'],
    });
    for (const agent of [web, db]) {
      const result = await agent.enroll(controller.grpcUrl, created.token);
      expect(result).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/enrolled: agent id \S+, host id \S+/),
      });
      const hostId = /host id (\S+)/.exec(result.stdout)?.[1];
      hostIds.set(agent.name, hostId ?? '');
      agent.startDaemon();
    }
    const hosts = await controller.api<Page<HostDto>>('GET', '/hosts');
    expect(hosts.items.map((h) => h.hostname).sort()).toEqual(['db-1', 'web-1']);
    expect(hosts.items.find((h) => h.hostname === 'web-1')?.id).toBe(hostIds.get('web-1'));

    const third = await new AgentHost('extra', path.join(work, 'extra')).enroll(
      controller.grpcUrl,
      created.token,
    );
    expect(third).toMatchObject({ code: 77, stderr: expect.stringMatching(/token rejected/) });
  });

  it('finds the vulnerable log4j inside a war on one host and reports the other clean', async () => {
    const webApps = path.join(web.dir, 'srv');
    const dbApps = path.join(db.dir, 'srv');
    await writeWar(path.join(webApps, 'shop/app.war'), '2.14.1');
    await writeWar(path.join(dbApps, 'admin/app.war'), '2.17.1');

    const [webScan, dbScan] = [await scan('web-1', [webApps]), await scan('db-1', [dbApps])];
    await commandDone(webScan.id);
    await commandDone(dbScan.id);

    const vulnerable = await eventually('web-1 to be vulnerable', async () => {
      const detail = await hostDetail('web-1');
      return detail.host.status === 'vulnerable' ? detail : undefined;
    });
    expect(vulnerable.findings).toHaveLength(1);
    expect(vulnerable.findings[0]).toMatchObject({
      chain: [path.join(webApps, 'shop/app.war'), 'WEB-INF/lib/log4j-core-2.14.1.jar'],
      version: '2.14.1',
      status: 'vulnerable',
    });
    expect(vulnerable.findings[0]?.cves).toContain('CVE-2021-44228');
    const clean = await eventually('db-1 to be clean', async () => {
      const detail = await hostDetail('db-1');
      return detail.host.status === 'clean' ? detail : undefined;
    });
    expect(clean.findings.every((f) => f.status === 'safe')).toBe(true);
  });

  it("matches the real agent's installed packages (this machine's dpkg status) and the war's log4j against the vendor advisories", async () => {
    const installed = (await readFile('/var/lib/dpkg/status', 'utf8'))
      .split(/\n\n+/)
      .filter((stanza) => /^Status: \S+ \S+ installed$/m.test(stanza)).length;
    const advice = await eventually('web-1 advisories with its inventory', async () => {
      const res = await controller.api<HostAdvisories>(
        'GET',
        `/hosts/${hostIds.get('web-1')}/advisories`,
      );
      return res.inventorySnapshotId && res.scanRunId ? res : undefined;
    });
    expect(advice).toMatchObject({ hostStatus: 'vulnerable', packages: installed });
    // The war and its log4j-core; more when a JVM on this machine runs a log4j jar (the scan
    // looks into running JVMs too).
    expect(advice.jarScanProducts).toBeGreaterThanOrEqual(2);
    const log4j = advice.matches.find(
      (m) => m.vendor === 'Apache' && m.product === 'Log4j 2.x' && m.software.source === 'jar-scan',
    );
    expect(log4j?.software).toMatchObject({ name: 'log4j-core', version: '2.14.1' });
    expect(log4j?.advice).toContain('Check with the vendor');
  });

  it('after a controller restart the agents reconnect and results produced meanwhile arrive exactly once', async () => {
    const target = path.join(web.dir, 'srv2');
    await writeWar(path.join(target, 'billing/app.war'), '2.14.1');
    await writeBrokenJars(path.join(target, 'junk'), BROKEN_JARS);

    const command = await makeResultsPendingAcrossRestart(target);
    await controller.start();
    const done = await commandDone(command.id);
    expect(done.totalChunks).toBe(CHUNKS);
    const detail = await eventually('the results of the scan made during the outage', async () => {
      const d = await hostDetail('web-1');
      return d.latestScan?.commandId === command.id ? d : undefined;
    });
    expect(detail.latestScan?.summary).toMatchObject({ findings: 1, errors: BROKEN_JARS });
    const findings = await controller.api<Page<FindingDto>>(
      'GET',
      `/findings?hostId=${hostIds.get('web-1')}&pathContains=billing`,
    );
    expect(findings.items.filter((f) => f.commandId === command.id)).toHaveLength(1);
    await eventually('an empty outbox on web-1', async () =>
      (await web.outboxChunks()) === 0 ? true : undefined,
    );

    // db-1 came back too: it takes a new command.
    const again = await scan('db-1', [path.join(db.dir, 'srv')]);
    await commandDone(again.id);
  });

  it('agents stop cleanly on SIGTERM', async () => {
    for (const agent of [web, db]) {
      const result = await agent.stop();
      expect(result?.code).toBe(0);
      expect(agent.logLines().at(-1)?.['msg']).toBe('agent daemon stopped');
    }
  });
});
