import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelCredentials, Metadata, status } from '@grpc/grpc-js';
import { AgentServiceClient, EnrollResponse } from '@log4fleet/contracts';
import { DataSource } from 'typeorm';
import { AgentEntity } from '../src/agents/agent.entity';
import { AgentStream, TestAgent } from './support/agent-client';
import { startTestController, TestController } from './support/test-controller';

async function enrollmentToken(c: TestController): Promise<string> {
  const res = await c
    .http()
    .post('/api/v1/enrollment-tokens')
    .set('Authorization', `Bearer ${c.adminToken}`)
    .send({ name: 'transport', maxUses: 10 });
  return (res.body as { token: string }).token;
}

describe('agent stream admission', () => {
  let c: TestController;
  const agents: TestAgent[] = [];
  const streams: AgentStream[] = [];

  beforeAll(async () => {
    c = await startTestController({ env: { MAX_AGENT_STREAMS: '1' } });
  });

  afterAll(async () => {
    streams.forEach((s) => s.close());
    agents.forEach((a) => a.close());
    await c.close();
  });

  async function connectedAgent(): Promise<{ agent: TestAgent; stream: AgentStream }> {
    const agent = new TestAgent(c.grpcAddress);
    agents.push(agent);
    await agent.enroll(await enrollmentToken(c));
    const stream = agent.connect();
    streams.push(stream);
    return { agent, stream };
  }

  it('answers RESOURCE_EXHAUSTED above MAX_AGENT_STREAMS, and still lets a connected agent replace its stream', async () => {
    const first = await connectedAgent();
    first.stream.send({
      kind: { $case: 'heartbeat', value: { sentAtMs: 0, runningCommands: 0, outboxChunks: 0 } },
    });
    await first.stream.next((m) => (m.kind?.$case === 'heartbeatAck' ? true : undefined), 'an ack');

    const second = await connectedAgent();
    expect(await second.stream.end()).toMatchObject({ code: status.RESOURCE_EXHAUSTED });

    const again = first.agent.connect();
    streams.push(again);
    again.send({
      kind: { $case: 'heartbeat', value: { sentAtMs: 0, runningCommands: 0, outboxChunks: 0 } },
    });
    await again.next(
      (m) => (m.kind?.$case === 'heartbeatAck' ? true : undefined),
      'an ack on the new stream',
    );
    expect(await first.stream.end()).toMatchObject({ code: status.ABORTED });
  });
});

describe('revocation seen from another controller process', () => {
  let c: TestController;
  const agent = { current: null as TestAgent | null };

  beforeAll(async () => {
    c = await startTestController({ env: { HEARTBEAT_INTERVAL_S: '1' } });
  });

  afterAll(async () => {
    agent.current?.close();
    await c.close();
  });

  it('ends the stream of an agent revoked in the database by someone else', async () => {
    const a = new TestAgent(c.grpcAddress);
    agent.current = a;
    await a.enroll(await enrollmentToken(c));
    const stream = a.connect();
    stream.send({
      kind: {
        $case: 'heartbeat',
        value: { sentAtMs: Date.now(), runningCommands: 0, outboxChunks: 0 },
      },
    });
    await stream.next(
      (m) => (m.kind?.$case === 'heartbeatAck' ? true : undefined),
      'the stream to be open',
    );
    // Another process revokes it: the row changes, this process's registry is not told.
    await c.app
      .get(DataSource)
      .getRepository(AgentEntity)
      .update({ id: a.agentId }, { revoked: true });
    for (let i = 0; i < 40 && stream.ended === null; i++) {
      stream.send({
        kind: {
          $case: 'heartbeat',
          value: { sentAtMs: Date.now(), runningCommands: 0, outboxChunks: 0 },
        },
      });
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await stream.end()).toMatchObject({ code: status.PERMISSION_DENIED });
  });
});

describe('gRPC over TLS', () => {
  let dir: string;
  let c: TestController;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l4f-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    c = await startTestController({
      env: {
        GRPC_INSECURE: '',
        GRPC_TLS_CERT: join(dir, 'cert.pem'),
        GRPC_TLS_KEY: join(dir, 'key.pem'),
      },
    });
  });

  afterAll(async () => {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function enrollWith(credentials: ChannelCredentials, token: string): Promise<EnrollResponse> {
    const client = new AgentServiceClient(c.grpcAddress, credentials);
    return new Promise<EnrollResponse>((resolve, reject) => {
      client.enroll(
        { token, host: TestAgent.facts(), agentVersion: 'tls-test' },
        new Metadata(),
        { deadline: Date.now() + 5_000 },
        (error, response) => {
          client.close();
          return error ? reject(error) : resolve(response);
        },
      );
    });
  }

  it('enrolls an agent that trusts the controller certificate', async () => {
    const response = await enrollWith(
      ChannelCredentials.createSsl(readFileSync(join(dir, 'cert.pem'))),
      await enrollmentToken(c),
    );
    expect(response.agentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.credential).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not talk plaintext', async () => {
    await expect(
      enrollWith(ChannelCredentials.createInsecure(), await enrollmentToken(c)),
    ).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });
});
