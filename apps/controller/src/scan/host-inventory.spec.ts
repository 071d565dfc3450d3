import { CompletedRun, CurrentFinding, HostInventory } from './host-inventory';
import { scanParams } from './scan.kind';
import { scopeOf } from './scan-scope';

const finding = (
  id: string,
  path: string,
  vulnerable = false,
  source: 'path' | 'process' = 'path',
) => ({
  id,
  source,
  path,
  product: 'log4j-core',
  packageRoot: 'org/apache/logging/log4j/',
  vulnerable,
});
const held = (f: ReturnType<typeof finding>, seenBy: string): CurrentFinding => ({
  ...f,
  runId: `run-${seenBy}`,
  seenBy,
});
const run = (
  id: string,
  createdAt: string,
  params: Record<string, unknown>,
  findings: ReturnType<typeof finding>[] = [],
  incomplete: string | null = null,
): CompletedRun => ({
  id,
  createdAt,
  scope: scopeOf(scanParams(params)),
  incomplete,
  errors: [],
  findings,
});

describe('HostInventory: the union of what the latest scans saw', () => {
  const old = held(finding('a', '/srv/a.jar', true), 't1');
  const jvm = held(finding('p', '/opt/b.jar', true, 'process'), 't1');

  it('a complete scan replaces earlier findings only in its scope', () => {
    const inv = new HostInventory([old, jvm]);
    const change = inv.apply(run('r2', 't2', { paths: ['/opt'], processes: false }));
    expect(change.superseded).toEqual([]);
    expect(change.hostVulnerable).toBe(true);
    expect(inv.apply(run('r3', 't3', { paths: ['/srv'], processes: false })).superseded).toEqual([
      'a',
    ]);
    const last = inv.apply(run('r4', 't4', { processesOnly: true }));
    expect(last.superseded).toEqual(['p']);
    expect(last.hostVulnerable).toBe(false);
  });

  it('an incomplete scan adds and clears nothing, but replaces a copy it saw again', () => {
    const inv = new HostInventory([old]);
    const again = finding('a2', '/srv/a.jar', false);
    const change = inv.apply(run('r2', 't2', {}, [again, finding('n', '/x/n.jar')], 'root'));
    expect(change.superseded).toEqual(['a']);
    expect([...change.current].sort()).toEqual(['a2', 'n']);
    expect(change.sawVulnerable).toBe(false);
  });

  it('a late scan replaces nothing newer, and what a newer scan covered of its own is not current', () => {
    const newer = run('r3', 't3', { paths: ['/srv'] });
    const inv = new HostInventory([held(finding('b', '/srv/b.jar', true), 't3')], [newer]);
    const change = inv.apply(
      run('r2', 't2', {}, [finding('c', '/srv/c.jar'), finding('d', '/opt/d.jar')]),
    );
    expect(change.superseded).toEqual([]);
    expect([...change.current]).toEqual(['d']);
    expect(change.alreadySuperseded.get('c')).toBe('r3');
    expect(change.hostVulnerable).toBe(true);
  });
});
