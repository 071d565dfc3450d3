import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_STATUSES, type HostStatus } from './host.entity';
import {
  FLAG_CLEAN_WITHOUT_REMEDIATION,
  HOST_EVENTS,
  nextHostState,
  type HostEvent,
  type HostTransition,
} from './host-state';

/** "status" / "status +flag" (raised) / "status -flag" (cleared): the README's table, cell by cell. */
type Cell = string;
const R = FLAG_CLEAN_WITHOUT_REMEDIATION;

/** Without a remediation on record. Rows: states; columns: HOST_EVENTS in order. */
// prettier-ignore
const TABLE: Record<HostStatus, Cell[]> = {
  unknown:     ['vulnerable -flag',  'vulnerable -flag', 'clean',             'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'unknown'],
  clean:       ['vulnerable -flag',  'vulnerable -flag', 'clean',             'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'clean'],
  vulnerable:  ['vulnerable -flag',  'vulnerable -flag', 'clean +flag',       'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'vulnerable'],
  quarantined: ['quarantined -flag', 'quarantined',      'quarantined +flag', 'quarantined', 'quarantined -flag', 'quarantined -flag', 'quarantined', 'released'],
  remediated:  ['vulnerable -flag',  'remediated',       'remediated',        'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'remediated'],
  verified:    ['vulnerable -flag',  'vulnerable -flag', 'verified',          'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'verified'],
  released:    ['vulnerable -flag',  'vulnerable -flag', 'released',          'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'released'],
};

/** Where a remediation on record and not yet settled changes the answer (every other cell is the same). */
const WITH_REMEDIATION: Partial<Record<HostStatus, Partial<Record<HostEvent, Cell>>>> = {
  vulnerable: { 'scan-clean': 'remediated' },
  quarantined: { 'scan-clean': 'quarantined' },
};

function cell(t: HostTransition): Cell {
  if (t.flag === 'clear') return `${t.status} -flag`;
  if (t.flag) return `${t.status} +flag`;
  return t.status;
}

describe('nextHostState: the host state rule, every state and every event', () => {
  const cases = HOST_STATUSES.flatMap((state) =>
    HOST_EVENTS.map((event, i) => [state, event, i] as const),
  );

  it('has a row for every state and a column for every event', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...HOST_STATUSES].sort());
    for (const row of Object.values(TABLE)) expect(row).toHaveLength(HOST_EVENTS.length);
  });

  it.each(cases)('%s + %s (no remediation on record)', (state, event, i) => {
    expect(cell(nextHostState(state, event, false))).toBe(TABLE[state][i]);
  });

  it.each(cases)('%s + %s (a remediation on record)', (state, event, i) => {
    expect(cell(nextHostState(state, event, true))).toBe(
      WITH_REMEDIATION[state]?.[event] ?? TABLE[state][i],
    );
  });

  it('is the table the README shows (section "What the controller says about a host")', () => {
    const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
    const header = readme.indexOf('| state \\ event |');
    expect(header).toBeGreaterThan(0);
    const lines = readme.slice(header).split('\n');
    const cells = (line: string) =>
      line
        .split('|')
        .slice(1, -1)
        .map((x) => x.trim());
    expect(cells(lines[0]).slice(1)).toEqual(HOST_EVENTS.map((e) => e.replace(/-/g, ' ')));
    const rows = lines.slice(2, 2 + HOST_STATUSES.length).map(cells);
    expect(Object.fromEntries(rows.map((r) => [r[0], r.slice(1)]))).toEqual(TABLE);
  });

  it('says why it raises a flag', () => {
    expect(nextHostState('vulnerable', 'scan-clean', false).flag).toEqual({ raise: R });
    expect(nextHostState('quarantined', 'scan-clean', false).flag).toEqual({ raise: R });
  });
});
