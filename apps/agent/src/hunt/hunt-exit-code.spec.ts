import { HuntExit, HuntExitTracker } from './hunt-exit-code';

describe('HuntExitTracker', () => {
  it.each([
    [[], 0, false, HuntExit.CLEAN],
    [[], 2, false, HuntExit.INCOMPLETE],
    [['low'], 2, false, HuntExit.ATTENTION],
    [[], 0, true, HuntExit.ATTENTION],
    [['low', 'high'], 1, true, HuntExit.COMPROMISE_SUSPECTED],
  ] as const)('hits %j, %i errors, changed files %s -> %i', (hits, errors, changed, code) => {
    const t = new HuntExitTracker();
    for (const confidence of hits) t.onHit({ confidence });
    for (let i = 0; i < errors; i++) t.onError();
    if (changed) t.onChangedFile();
    expect(t.code()).toBe(code);
  });
});
