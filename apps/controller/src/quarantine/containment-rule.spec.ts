import type { ContainmentState } from '../hosts/host.entity';
import { containmentAfter, type ContainmentOutcome } from './containment-rule';

describe('containmentAfter', () => {
  it.each<
    [string, ContainmentOutcome, ContainmentState | null, ReturnType<typeof containmentAfter>]
  >([
    [
      'a quarantine requested',
      { kind: 'quarantine', event: 'requested' },
      null,
      { state: 'requested' },
    ],
    [
      'its command succeeded: applied, not yet proven',
      { kind: 'quarantine', event: 'succeeded' },
      'requested',
      { state: 'applied' },
    ],
    [
      'its evidence came first: succeeded changes nothing',
      { kind: 'quarantine', event: 'succeeded' },
      'verified',
      null,
    ],
    [
      'evidence verified',
      { kind: 'quarantine', event: 'results', state: 'verified' },
      'applied',
      { state: 'verified', status: 'quarantined' },
    ],
    [
      'evidence failed',
      { kind: 'quarantine', event: 'results', state: 'failed' },
      'applied',
      { state: 'failed' },
    ],
    [
      'the command failed (rolled back)',
      { kind: 'quarantine', event: 'failed' },
      'requested',
      { state: 'failed' },
    ],
    [
      'the command expired before it ran',
      { kind: 'quarantine', event: 'expired' },
      'requested',
      { state: 'failed' },
    ],
    [
      'a release requested',
      { kind: 'release', event: 'requested' },
      'verified',
      { state: 'requested' },
    ],
    [
      'release results',
      { kind: 'release', event: 'results', state: 'released' },
      'requested',
      { state: 'released', status: 'released' },
    ],
    [
      'release results failed',
      { kind: 'release', event: 'results', state: 'failed' },
      'requested',
      { state: 'failed' },
    ],
    [
      'a release that failed before anything',
      { kind: 'release', event: 'failed' },
      'requested',
      { state: 'failed' },
    ],
    [
      'a release cancelled after its results said released',
      { kind: 'release', event: 'cancelled' },
      'released',
      null,
    ],
  ])('%s', (_name, outcome, current, expected) => {
    expect(containmentAfter(outcome, current)).toEqual(expected);
  });
});
