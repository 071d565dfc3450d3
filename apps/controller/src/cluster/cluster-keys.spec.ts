import { clusterKeys, pickHolder } from './cluster-keys';

describe('cluster directory keys', () => {
  it('picks the process the agent connected to last', () => {
    expect(
      pickHolder([
        { processId: 'a', connectedAtMs: 10 },
        { processId: 'b', connectedAtMs: 20 },
      ]),
    ).toBe('b');
    expect(pickHolder([])).toBeNull();
  });

  it('namespaces every key under the prefix', () => {
    const keys = clusterKeys('l4f');
    expect(
      [keys.processes, keys.alive('p1'), keys.agents('p1'), keys.channel('p1')].every((k) =>
        k.startsWith('l4f:cluster:'),
      ),
    ).toBe(true);
  });
});
