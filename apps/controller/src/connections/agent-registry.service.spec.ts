import { AgentRegistry, AgentStream, CloseReason } from './agent-registry.service';

class FakeStream implements AgentStream {
  sent: unknown[] = [];
  closed: CloseReason | null = null;
  send(message: unknown): boolean {
    this.sent.push(message);
    return true;
  }
  close(reason: CloseReason): void {
    this.closed = reason;
  }
}

const ack = { kind: { $case: 'heartbeatAck' as const, value: { serverTimeMs: 1 } } };

describe('AgentRegistry', () => {
  it('keeps one stream per agent: a newer one replaces and closes the older', () => {
    const registry = new AgentRegistry();
    const older = new FakeStream();
    const newer = new FakeStream();
    registry.register('a1', older);
    registry.register('a1', newer);
    expect(older.closed).toBe('replaced');
    expect(registry.size).toBe(1);
    expect(registry.send('a1', ack)).toBe(true);
    expect(newer.sent).toEqual([ack]);
    expect(older.sent).toEqual([]);
  });

  it('ignores the late goodbye of a replaced stream', () => {
    const registry = new AgentRegistry();
    const older = new FakeStream();
    registry.register('a1', older);
    registry.register('a1', new FakeStream());
    registry.unregister('a1', older);
    expect(registry.isConnected('a1')).toBe(true);
  });

  it('disconnects a revoked agent and reports unknown agents as not sent', () => {
    const registry = new AgentRegistry();
    const stream = new FakeStream();
    registry.register('a1', stream);
    expect(registry.disconnect('a1', 'revoked', 'gone')).toBe(true);
    expect(stream.closed).toBe('revoked');
    expect(registry.send('a1', ack)).toBe(false);
    expect(registry.disconnect('a1', 'revoked', 'gone')).toBe(false);
  });
});
