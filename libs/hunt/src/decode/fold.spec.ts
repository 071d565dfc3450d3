import { foldName, LOOKALIKES } from './fold';

describe('foldName', () => {
  it('holds every character whose case mapping yields ASCII letters (recomputed from the runtime)', () => {
    const computed: Record<string, string> = {};
    for (let c = 0x80; c <= 0xffff; c++) {
      if (c >= 0xd800 && c < 0xe000) continue;
      const ch = String.fromCharCode(c);
      for (const mapped of [ch.toUpperCase(), ch.toLowerCase()]) {
        if (mapped !== ch && /[A-Za-z]/.test(mapped))
          computed[ch] = mapped.toLowerCase().replace(/[^a-z]/g, '');
      }
    }
    expect(LOOKALIKES).toEqual(computed);
  });

  it('folds dotless i, long s, Kelvin sign and case', () => {
    expect(foldName('JND\u0131')).toBe('jndi');
    expect(foldName('dn\u017f')).toBe('dns');
    expect(foldName('\u212Aube')).toBe('kube');
    expect(foldName('JND\u0130')).toBe('jndi');
  });
});
