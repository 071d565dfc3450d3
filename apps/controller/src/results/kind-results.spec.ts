import type { UploadResultsRequest } from '@log4fleet/contracts';
import {
  completedBy,
  handlersByKind,
  wrongKindOfResults,
  type KindResultHandler,
} from './kind-results';

const scanChunk: UploadResultsRequest = {
  commandId: 'c1',
  sequence: 0,
  totalChunks: 1,
  findings: [],
  errors: [],
};
const kindChunk: UploadResultsRequest = {
  ...scanChunk,
  kindResults: {
    kind: {
      $case: 'release',
      value: { state: 'released', code: '', reason: '', tableWasPresent: true },
    },
  },
};

describe('wrongKindOfResults', () => {
  it.each<[string, string, UploadResultsRequest, string | null]>([
    ['a scan with scan results', 'scan', scanChunk, null],
    [
      'a scan with kind results',
      'scan',
      kindChunk,
      'is a scan: its results are findings, not release',
    ],
    ['another kind with its own results', 'release', kindChunk, null],
    [
      'another kind with no results case',
      'release',
      scanChunk,
      'must be release results, not none',
    ],
    [
      'another kind with a scan summary',
      'release',
      { ...kindChunk, summary: undefined, errors: [{ chain: [], code: 'x', message: 'y' }] },
      'carry no scan findings, errors or summary',
    ],
    [
      "another kind with a third kind's results",
      'fix',
      kindChunk,
      'must be fix results, not release',
    ],
  ])('%s', (_, kind, chunk, expected) => {
    const answer = wrongKindOfResults({ id: 'c1', kind: kind as 'scan' }, chunk);
    if (expected === null) expect(answer).toBeNull();
    else expect(answer).toContain(expected);
  });
});

describe('completedBy', () => {
  const stored = new Map([
    [
      'a',
      [
        { id: 'a0', totalChunks: 2, ingested: true },
        { id: 'a1', totalChunks: 2, ingested: false },
      ],
    ],
    ['b', [{ id: 'b0', totalChunks: 2, ingested: false }]],
    ['c', [{ id: 'c0', totalChunks: 1, ingested: false }]],
  ]);

  it('names the commands whose last missing chunk this batch ingests, and only those', () => {
    expect(
      completedBy(
        [
          { id: 'a1', commandId: 'a' },
          { id: 'b0', commandId: 'b' },
          { id: 'c0', commandId: 'c' },
        ],
        stored,
      ).sort(),
    ).toEqual(['a', 'c']);
    expect(completedBy([{ id: 'b0', commandId: 'b' }], stored)).toEqual([]);
  });
});

describe('handlersByKind', () => {
  const handler = (kind: string): KindResultHandler => ({ kind, ingest: () => Promise.resolve() });

  it('refuses a kind registered twice, naming it', () => {
    expect(() => handlersByKind([handler('scan'), handler('scan')])).toThrow(
      'the results of command kind scan have two handlers',
    );
    expect([...handlersByKind([handler('scan'), handler('hunt')]).keys()]).toEqual([
      'scan',
      'hunt',
    ]);
  });
});
