import { CommandsService } from '../src/commands/commands.service';
import { deterministicUuid } from '../src/common/deterministic-id';
import { TestAgent } from './support/agent-client';
import { seedHost } from './support/seed';
import { startTestController, TestController, TestDatabase } from './support/test-controller';
import type { CommandRequest } from '../src/commands/kinds';
import { scanParams } from '../src/scan/scan.kind';

const SCAN: CommandRequest = { kind: 'scan', params: scanParams({}) };

describe.each<TestDatabase>(['sqlite', 'postgres'])('command transitions on %s', (database) => {
  let controller: TestController;
  let commands: CommandsService;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    controller = await startTestController({ database });
    commands = controller.app.get(CommandsService);
  });

  afterAll(async () => {
    agents.forEach((a) => a.close());
    await controller.close();
  });

  async function host(): Promise<TestAgent> {
    const agent = await seedHost(controller);
    agents.push(agent);
    return agent;
  }

  async function audit(hostId: string, action: string): Promise<Array<{ details: unknown }>> {
    const res = await controller
      .http()
      .get('/api/v1/audit')
      .query({ hostId, action })
      .set('Authorization', `Bearer ${controller.adminToken}`);
    return (res.body as { items: Array<{ details: unknown }> }).items;
  }

  it('cancels a queued command once, with an audit event, and never one that started', async () => {
    const agent = await host();
    const queued = await commands.create(agent.hostId, SCAN, 'admin');
    expect(await commands.cancel(queued.id, 'alice', { reason: 'test' })).toBe(true);
    expect(await commands.cancel(queued.id, 'alice')).toBe(false);
    expect(await commands.expire(queued.id)).toBe(false);
    expect((await commands.get(queued.id)).state).toBe('cancelled');
    expect(await audit(agent.hostId, 'command.cancelled')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ commandId: queued.id, from: 'queued', reason: 'test' }),
      }),
    ]);

    const started = await commands.create(agent.hostId, SCAN, 'admin');
    const update = { commandId: started.id, message: '', atMs: Date.now(), totalChunks: 0 };
    await commands.applyUpdate(agent.agentId, { ...update, state: 'started' });
    expect(await commands.cancel(started.id, 'alice')).toBe(false);
    expect((await commands.get(started.id)).state).toBe('started');
  });

  it("applies reports that arrive together in order, each once, and refuses another agent's", async () => {
    const agent = await host();
    const other = await host();
    const command = await commands.create(agent.hostId, SCAN, 'admin');
    const report = (state: 'delivered' | 'started' | 'succeeded', totalChunks = 0) => ({
      commandId: command.id,
      state,
      message: state === 'succeeded' ? 'done' : '',
      atMs: Date.now(),
      totalChunks,
    });
    // One batch: three moves of one command, a repeat, a backward one, and a stranger's report.
    const results = await Promise.allSettled([
      commands.applyUpdate(agent.agentId, report('delivered')),
      commands.applyUpdate(agent.agentId, report('started')),
      commands.applyUpdate(other.agentId, report('started')),
      commands.applyUpdate(agent.agentId, report('started')),
      commands.applyUpdate(agent.agentId, report('succeeded', 3)),
      commands.applyUpdate(agent.agentId, report('delivered')),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'refused'))).toEqual([
      true,
      true,
      'refused',
      false,
      true,
      false,
    ]);
    expect(String((results[2] as PromiseRejectedResult).reason)).toContain(other.agentId);
    expect(await commands.get(command.id)).toMatchObject({ state: 'succeeded', message: 'done' });
    for (const action of ['command.delivered', 'command.started', 'command.succeeded'])
      expect(await audit(agent.hostId, action)).toHaveLength(1);
  });

  it('expires a delivered command once', async () => {
    const agent = await host();
    const command = await commands.create(agent.hostId, SCAN, 'admin');
    await commands.applyUpdate(agent.agentId, {
      commandId: command.id,
      state: 'delivered',
      message: '',
      atMs: Date.now(),
      totalChunks: 0,
    });
    const [first, second] = await Promise.all([
      commands.expire(command.id),
      commands.expire(command.id),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect((await commands.get(command.id)).state).toBe('expired');
    expect(await audit(agent.hostId, 'command.expired')).toHaveLength(1);
  });

  it('creates a command with a caller-chosen id once', async () => {
    const agent = await host();
    const id = deterministicUuid('test', agent.hostId);
    const [a, b] = await Promise.all([
      commands.create(agent.hostId, SCAN, 'job', { commandId: id }),
      commands.create(agent.hostId, SCAN, 'job', { commandId: id }),
    ]);
    expect(a.id).toBe(id);
    expect(b.id).toBe(id);
    expect(await commands.listForHost(agent.hostId)).toHaveLength(1);
    expect(await audit(agent.hostId, 'command.created')).toHaveLength(1);
    const other = await host();
    await expect(
      commands.create(other.hostId, SCAN, 'job', { commandId: id }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
