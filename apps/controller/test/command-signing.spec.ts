import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkCommandSignature,
  followKeyChain,
  type Command,
  type CommandSigningKeys,
  type ControllerMessage,
} from '@log4fleet/contracts';
import { DataSource } from 'typeorm';
import { AgentStream, TestAgent } from './support/agent-client';
import { startTestController, type TestController } from './support/test-controller';
import { createStorage, type Storage } from './support/test-storage';

// Command signing on the controller: one fleet key in the shared database (encrypted at rest),
// commands signed for their agent, the key chain presented first on every stream, and a
// rotation made through REST on one process followed by an agent connected to another.

const SECRET = 'signing-test-secret-0123456789';

const commandOf = (m: ControllerMessage): Command | undefined =>
  m.kind?.$case === 'command' ? m.kind.value : undefined;
const keysOf = (m: ControllerMessage): CommandSigningKeys | undefined =>
  m.kind?.$case === 'signingKeys' ? m.kind.value : undefined;

interface KeyDto {
  generation: number;
  publicKey: string;
  current: boolean;
  storage: string;
}

/** An agent enrolled through `via`; its `pinned` key is the one EnrollResponse gave. */
async function enrollAgent(
  controller: TestController,
  via = controller,
): Promise<TestAgent & { pinned: Buffer }> {
  const { body } = await controller
    .http()
    .post('/api/v1/enrollment-tokens')
    .set('authorization', `Bearer ${controller.adminToken}`)
    .send({ name: `signing ${randomUUID()}`, maxUses: 1 })
    .expect(201);
  const agent = new TestAgent(via.grpcAddress);
  const response = await agent.enroll((body as { token: string }).token);
  return Object.assign(agent, { pinned: Buffer.from(response.commandSigningKey) });
}

async function scan(controller: TestController, hostId: string): Promise<string> {
  const { body } = await controller
    .http()
    .post(`/api/v1/hosts/${hostId}/scans`)
    .set('authorization', `Bearer ${controller.adminToken}`)
    .send({ paths: ['/srv'] })
    .expect(201);
  return (body as { id: string }).id;
}

// The other process notices a rotation within KEY_REFRESH_MS (5 s): more than jest's default.
jest.setTimeout(30_000);

describe('command signing: two controller processes on one PostgreSQL database', () => {
  let storage: Storage;
  let a: TestController;
  let b: TestController;
  const agents: TestAgent[] = [];
  const streams: AgentStream[] = [];

  beforeAll(async () => {
    storage = await createStorage('postgres', 'signing');
    const env = { ...storage.env, COMMAND_SIGNING_KEY_SECRET: SECRET };
    a = await startTestController({ database: 'postgres', env });
    b = await startTestController({ database: 'postgres', env });
  });

  afterAll(async () => {
    streams.forEach((s) => s.close());
    agents.forEach((x) => x.close());
    await b?.close();
    await a?.close();
    await storage?.dispose();
  });

  async function connected(controller: TestController, via = controller) {
    const agent = await enrollAgent(controller, via);
    agents.push(agent);
    const stream = agent.connect();
    streams.push(stream);
    const chain = await stream.next(keysOf, 'the key chain');
    return { agent, stream, chain };
  }

  it('gives agents one fleet key, stored encrypted, whichever process they enroll with', async () => {
    const onA = await enrollAgent(a);
    const onB = await enrollAgent(b);
    agents.push(onA, onB);
    const rows: Array<{ public_key: string; private_key: string }> = await a.app
      .get(DataSource)
      .query('SELECT public_key, private_key FROM command_signing_keys');
    expect(rows).toHaveLength(1);
    const key = rows[0];
    expect(key.private_key).toMatch(/^aes-256-gcm:/);
    expect(onA.pinned).toHaveLength(32);
    expect(onA.pinned.toString('base64')).toBe(key.public_key);
    expect(onB.pinned).toEqual(onA.pinned);
    const keys = await a
      .http()
      .get('/api/v1/command-signing-keys')
      .set('authorization', `Bearer ${a.adminToken}`)
      .expect(200);
    expect((keys.body as KeyDto[]).map((k) => [k.publicKey, k.storage])).toEqual([
      [key.public_key, 'database-encrypted'],
    ]);
  });

  it('presents the key chain first on a stream, then commands signed for that agent by the enrollment key', async () => {
    const agent = await enrollAgent(a);
    agents.push(agent);
    const enrolledKey = agent.pinned;
    const stream = agent.connect();
    streams.push(stream);
    const chain = await stream.next(keysOf, 'the key chain');
    expect(stream.received[0]?.kind?.$case).toBe('signingKeys');
    expect(followKeyChain(chain, enrolledKey, Date.now()).key).toEqual(enrolledKey);
    const id = await scan(a, agent.hostId);
    const command = await stream.next(
      (m) => (commandOf(m)?.id === id ? commandOf(m) : undefined),
      'the scan',
    );
    expect(command.agentId).toBe(agent.agentId);
    expect(
      checkCommandSignature(command, {
        agentId: agent.agentId,
        pinnedKey: enrolledKey,
        nowMs: Date.now(),
      }),
    ).toBeNull();
    expect(
      checkCommandSignature(command, {
        agentId: randomUUID(),
        pinnedKey: enrolledKey,
        nowMs: Date.now(),
      })?.code,
    ).toBe('misaddressed');
  });

  it('rotation: admin only, audited; an agent on the other process gets the new chain and commands signed by the new key', async () => {
    const operator = await a.tokenFor('operator');
    await a
      .http()
      .post('/api/v1/command-signing-keys/rotate')
      .set('authorization', `Bearer ${operator}`)
      .expect(403);
    const { agent, stream, chain: before } = await connected(a, b);
    const pinned = followKeyChain(before, agent.pinned, Date.now()).key;
    const { body } = await a
      .http()
      .post('/api/v1/command-signing-keys/rotate')
      .set('authorization', `Bearer ${a.adminToken}`)
      .expect(200);
    const rotated = body as KeyDto;
    expect(rotated.current).toBe(true);
    // Process B notices within its refresh (5 s) and presents the chain to its agents.
    const after = await nextChain(stream, before.rotations.length + 1);
    const followed = followKeyChain(after, pinned, Date.now());
    expect(followed.key.toString('base64')).toBe(rotated.publicKey);
    const id = await scan(a, agent.hostId);
    const command = await stream.next(
      (m) => (commandOf(m)?.id === id ? commandOf(m) : undefined),
      'the scan',
    );
    const ctx = { agentId: agent.agentId, nowMs: Date.now() };
    expect(checkCommandSignature(command, { ...ctx, pinnedKey: followed.key })).toBeNull();
    expect(checkCommandSignature(command, { ...ctx, pinnedKey: pinned })?.code).toBe('foreign');
    const audit = await a
      .http()
      .get('/api/v1/audit?action=command-signing-key.rotated')
      .set('authorization', `Bearer ${a.adminToken}`)
      .expect(200);
    expect(
      (audit.body as { items: Array<{ details: { publicKey: string } }> }).items[0]?.details
        .publicKey,
    ).toBe(rotated.publicKey);
  });
});

describe('command signing: the key given as a file (SQLite)', () => {
  let dir: string;
  let storage: Storage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l4f-signing-keys-'));
    storage = await createStorage('sqlite', 'signing-file');
  });

  afterAll(async () => {
    await storage?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function keyFile(name: string): string {
    const { privateKey } = generateKeyPairSync('ed25519');
    const file = join(dir, name);
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    return file;
  }

  it('signs with the file key, refuses REST rotation, and records a rotation to a new file signed by the previous one', async () => {
    const first = keyFile('first.pem');
    const second = keyFile('second.pem');
    let controller = await startTestController({
      env: { ...storage.env, COMMAND_SIGNING_KEY_FILE: first },
    });
    let firstKey: Buffer;
    try {
      const agent = await enrollAgent(controller);
      firstKey = agent.pinned;
      expect(firstKey).toEqual(await currentKeyOf(controller));
      agent.close();
      const rows: Array<{ private_key: string }> = await controller.app
        .get(DataSource)
        .query('SELECT private_key FROM command_signing_keys');
      expect(rows).toEqual([{ private_key: 'file' }]);
      const refused = await controller
        .http()
        .post('/api/v1/command-signing-keys/rotate')
        .set('authorization', `Bearer ${controller.adminToken}`)
        .expect(409);
      expect(JSON.stringify(refused.body)).toContain('COMMAND_SIGNING_PREVIOUS_KEY_FILE');
    } finally {
      await controller.close();
    }
    controller = await startTestController({
      env: {
        ...storage.env,
        COMMAND_SIGNING_KEY_FILE: second,
        COMMAND_SIGNING_PREVIOUS_KEY_FILE: first,
      },
    });
    try {
      const agent = await enrollAgent(controller);
      const stream = agent.connect();
      const chain = await stream.next(keysOf, 'the key chain');
      stream.close();
      agent.close();
      expect(chain.rotations).toHaveLength(1);
      const followed = followKeyChain(chain, firstKey, Date.now());
      expect(followed).toMatchObject({ followed: 1 });
      expect(followed.key).toEqual(agent.pinned);
    } finally {
      await controller.close();
    }
  });
});

async function nextChain(stream: AgentStream, rotations: number): Promise<CommandSigningKeys> {
  return stream.next((m) => {
    const chain = keysOf(m);
    return chain && chain.rotations.length >= rotations ? chain : undefined;
  }, `a key chain of ${rotations} rotation(s)`);
}

/** The key the controller signs with now, as its REST API lists it. */
async function currentKeyOf(controller: TestController): Promise<Buffer> {
  const { body } = await controller
    .http()
    .get('/api/v1/command-signing-keys')
    .set('authorization', `Bearer ${controller.adminToken}`)
    .expect(200);
  const current = (body as KeyDto[]).find((k) => k.current);
  if (!current) throw new Error('no current key');
  return Buffer.from(current.publicKey, 'base64');
}
