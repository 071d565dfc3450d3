import { selectTargets } from './probe';
import { isOwnAddress, probeAddressFor } from './targets';
import type { ProbeTarget } from './types';

const listener = (port: number, bound: string): ProbeTarget => ({
  address: probeAddressFor(bound),
  port,
  bound,
  processes: [{ pid: 7, comm: 'java' }],
});

describe('where a probe may go', () => {
  it('reaches a wildcard bind on loopback and a specific bind on its address', () => {
    expect(probeAddressFor('0.0.0.0')).toBe('127.0.0.1');
    expect(probeAddressFor('::')).toBe('::1');
    expect(probeAddressFor('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(probeAddressFor('127.0.0.5')).toBe('127.0.0.5');
  });

  it('takes loopback and the host own interface addresses, nothing else', () => {
    expect(isOwnAddress('127.0.0.1')).toBe(true);
    expect(isOwnAddress('::1')).toBe(true);
    expect(isOwnAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isOwnAddress('10.1.2.3', new Set(['10.1.2.3']))).toBe(true);
    expect(isOwnAddress('10.1.2.4', new Set(['10.1.2.3']))).toBe(false);
    expect(isOwnAddress('192.0.2.1')).toBe(false);
  });

  it('selects the asked ports among the JVM listeners, naming what it leaves out', () => {
    const errors: string[] = [];
    const listeners = [listener(8080, '0.0.0.0'), listener(9090, '127.0.0.1')];

    const chosen = selectTargets(
      listeners,
      [
        { port: 8080, address: '127.0.0.2' },
        { port: 9090 },
        { port: 9090, address: '::1' },
        { port: 1 },
      ],
      errors,
    );

    expect(chosen.map((t) => `${t.address}:${t.port}`)).toEqual([
      '127.0.0.2:8080',
      '127.0.0.1:9090',
    ]);
    expect(errors).toEqual([
      'port 9090: the JVM listens on 127.0.0.1, not on ::1; not probed',
      'port 1: no JVM listens on it here; not probed',
    ]);
    expect(selectTargets(listeners, [], [])).toEqual(listeners);
  });
});
