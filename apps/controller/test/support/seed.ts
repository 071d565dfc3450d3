import { Finding } from '@log4fleet/contracts';
import { eventually, TestAgent } from './agent-client';
import { TestController } from './test-controller';

export const LOG4J_2_14: Finding = {
  chain: [Buffer.from('/srv/app/lib/log4j-core-2.14.1.jar')],
  product: 'log4j-core',
  version: '2.14.1',
  versionExact: true,
  status: 'vulnerable',
  cves: ['CVE-2021-44228'],
  evidence: ['JndiLookup.class present'],
  packageRoot: 'org/apache/logging/log4j/',
  sha256: 'b'.repeat(64),
};

export const LOG4J_2_17: Finding = {
  ...LOG4J_2_14,
  chain: [Buffer.from('/srv/other/log4j-core-2.17.1.jar')],
  version: '2.17.1',
  status: 'safe',
  cves: [],
};

/** Enrolls an agent for a new host and, when findings are given, completes one scan with them. */
export async function seedHost(
  controller: TestController,
  options: { tags?: string[]; hostname?: string; addresses?: string[]; findings?: Finding[] } = {},
): Promise<TestAgent> {
  const auth = `Bearer ${controller.adminToken}`;
  const tokenRes = await controller
    .http()
    .post('/api/v1/enrollment-tokens')
    .set('Authorization', auth)
    .send({ name: 'seed', tags: options.tags ?? [] });
  const agent = new TestAgent(controller.grpcAddress);
  await agent.enroll(
    (tokenRes.body as { token: string }).token,
    TestAgent.facts({
      ...(options.hostname ? { hostname: options.hostname } : {}),
      ...(options.addresses ? { addresses: options.addresses } : {}),
    }),
  );
  if (options.findings) {
    const scan = await controller
      .http()
      .post(`/api/v1/hosts/${agent.hostId}/scans`)
      .set('Authorization', auth)
      .send({});
    const commandId = (scan.body as { id: string }).id;
    await agent.upload({
      commandId,
      sequence: 0,
      totalChunks: 1,
      findings: options.findings,
      errors: [],
    });
    await scanIngested(controller, agent.hostId, commandId);
  }
  return agent;
}

/**
 * Waits until the controller ingested a scan's results (ingestion runs on a queue after the
 * upload was acknowledged): the host's latest scan is this command's, finished.
 */
export async function scanIngested(
  controller: TestController,
  hostId: string,
  commandId: string,
): Promise<void> {
  await eventually(async () => {
    const res = await controller
      .http()
      .get(`/api/v1/hosts/${hostId}`)
      .set('Authorization', `Bearer ${controller.adminToken}`);
    const latest = (res.body as { latestScan?: { commandId: string; finishedAt: string | null } })
      .latestScan;
    return latest?.commandId === commandId && latest.finishedAt ? true : undefined;
  }, `the results of scan ${commandId} ingested`);
}
