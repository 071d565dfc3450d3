import path from 'node:path';
import { confinedPath } from './state-dir';

describe('confinedPath', () => {
  const base = '/var/lib/log4fleet-agent/work';

  it('joins plain names inside the base', () => {
    expect(confinedPath(base, '7f000001-0000-4000-8000-000000000001', 'findings.spool')).toBe(
      path.join(base, '7f000001-0000-4000-8000-000000000001', 'findings.spool'),
    );
  });

  it('C1: refuses any name that would leave the base or name the base itself', () => {
    for (const name of ['..', '.', '', '../../victim-dir', '/etc', 'a/b', 'a\\b', 'x\u0000y']) {
      expect(() => confinedPath(base, name)).toThrow(/refusing/);
    }
    expect(() => confinedPath(base, 'ok', '..')).toThrow(/refusing "\.\."/);
  });

  it('takes a name that merely starts with two dots', () => {
    expect(confinedPath(base, '..hidden')).toBe(path.join(base, '..hidden'));
  });
});
