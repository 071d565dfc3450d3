import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_STATUSES, type HostStatus } from './host.entity';
import {
  FLAG_CLEAN_WITHOUT_REMEDIATION,
  HOST_EVENTS,
  nextHostState,
  type HostEvent,
  type HostRecords,
  type HostTransition,
} from './host-state';

/** "status" / "status +flag" (raised) / "status -flag" (cleared): the README's table, cell by cell. */
type Cell = string;
const R = FLAG_CLEAN_WITHOUT_REMEDIATION;

/** Without a remediation on record. Rows: states; columns: HOST_EVENTS in order. */
// prettier-ignore
const TABLE: Record<HostStatus, Cell[]> = {
  unknown:     ['vulnerable -flag',  'vulnerable -flag', 'clean',             'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'unknown',     'exploitable -flag', 'unknown'],
  clean:       ['vulnerable -flag',  'vulnerable -flag', 'clean',             'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'clean',       'exploitable -flag', 'clean'],
  vulnerable:  ['vulnerable -flag',  'vulnerable -flag', 'clean +flag',       'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'vulnerable',  'exploitable -flag', 'vulnerable'],
  quarantined: ['quarantined -flag', 'quarantined',      'quarantined +flag', 'quarantined', 'quarantined -flag', 'quarantined -flag', 'quarantined', 'released',    'quarantined -flag', 'quarantined'],
  remediated:  ['vulnerable -flag',  'remediated',       'remediated',        'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'remediated',  'exploitable -flag', 'remediated'],
  verified:    ['vulnerable -flag',  'vulnerable -flag', 'verified',          'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'verified',    'exploitable -flag', 'verified'],
  released:    ['vulnerable -flag',  'vulnerable -flag', 'released',          'remediated',  'verified -flag',    'vulnerable -flag',  'quarantined', 'released',    'exploitable -flag', 'released'],
  exploitable: ['exploitable -flag', 'exploitable',      'exploitable',       'exploitable', 'exploitable -flag', 'exploitable -flag', 'quarantined', 'exploitable', 'exploitable -flag', 'clean +flag'],
};

/** Where a remediation on record and not yet settled changes the answer (every other cell is the same). */
const WITH_REMEDIATION: Partial<Record<HostStatus, Partial<Record<HostEvent, Cell>>>> = {
  vulnerable: { 'scan-clean': 'remediated' },
  quarantined: { 'scan-clean': 'quarantined' },
  exploitable: { 'probe-clean': 'remediated' },
};

/**
 * Where the host's records (HostRecords, read by probe-clean only) change the answer, without and
 * with a remediation on record: every other cell is the same.
 */
const WITH_RECORDS: Record<Exclude<HostRecords, 'clean'>, [Cell, Cell]> = {
  vulnerable: ['vulnerable', 'vulnerable'],
  verified: ['verified', 'remediated'],
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

  it.each(
    cases.flatMap(([state, event, i]) =>
      (['vulnerable', 'verified'] as const).map((records) => [state, event, records, i] as const),
    ),
  )('%s + %s (records: %s)', (state, event, records, i) => {
    const probeClean = state === 'exploitable' && event === 'probe-clean';
    expect(cell(nextHostState(state, event, false, records))).toBe(
      probeClean ? WITH_RECORDS[records][0] : TABLE[state][i],
    );
    expect(cell(nextHostState(state, event, true, records))).toBe(
      probeClean ? WITH_RECORDS[records][1] : (WITH_REMEDIATION[state]?.[event] ?? TABLE[state][i]),
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
    expect(nextHostState('exploitable', 'probe-clean', false).flag).toEqual({ raise: R });
  });
});
