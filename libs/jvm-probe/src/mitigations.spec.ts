import { assessMitigations, versionTuple } from './mitigations';

const proc = { pid: 7 };
const noLookups = [
  { name: 'log4j2.formatMsgNoLookups', value: 'true', source: 'command-line' as const },
];

describe('assessMitigations', () => {
  it('formatMsgNoLookups partly mitigates 2.14.1 and never covers CVE-2021-45046', () => {
    const [flag] = assessMitigations(proc, noLookups, ['2.14.1']);
    expect(flag.effect).toBe('partial-mitigation');
    expect(flag.covers.join()).toContain('CVE-2021-44228');
    expect(flag.doesNotCover.join()).toContain('CVE-2021-45046');
  });

  it('formatMsgNoLookups has no effect below 2.10 nor on 2.15+', () => {
    expect(assessMitigations(proc, noLookups, ['2.9.1'])[0]).toMatchObject({
      effect: 'no-effect',
      note: expect.stringContaining('older than 2.10.0'),
    });
    expect(assessMitigations(proc, noLookups, ['2.16.0'])[0]).toMatchObject({
      effect: 'no-effect',
      note: expect.stringContaining('already disable'),
    });
    expect(assessMitigations(proc, noLookups, [])[0].effect).toBe('unknown');
  });

  it('a value other than true mitigates nothing', () => {
    expect(assessMitigations(proc, [{ ...noLookups[0], value: 'yes' }], ['2.14.1'])[0].effect).toBe(
      'no-effect',
    );
  });

  it('enableJndiLookup=true and trustURLCodebase=true weaken; trustURLCodebase=false does not stop 44228', () => {
    const flags = assessMitigations(
      proc,
      [
        { name: 'log4j2.enableJndiLookup', value: 'true', source: 'command-line' },
        {
          name: 'com.sun.jndi.ldap.object.trustURLCodebase',
          value: 'true',
          source: 'JAVA_TOOL_OPTIONS',
        },
        {
          name: 'com.sun.jndi.rmi.object.trustURLCodebase',
          value: 'false',
          source: 'command-line',
        },
        { name: 'log4j2.enableJndiJdbc', value: 'true', source: 'command-line' },
      ],
      ['2.17.1'],
    );
    expect(flags.map((f) => f.effect)).toEqual(['weakens', 'weakens', 'no-effect', 'weakens']);
    expect(flags[2].doesNotCover[0]).toContain('CVE-2021-44228');
    expect(flags[2].covers).toEqual([]);
  });

  it('ignores unrelated properties', () => {
    expect(
      assessMitigations(
        proc,
        [{ name: 'user.timezone', value: 'UTC', source: 'command-line' }],
        [],
      ),
    ).toEqual([]);
  });
});

describe('versionTuple', () => {
  it('orders pre-releases before the release', () => {
    expect(versionTuple('2.0-beta9')).toEqual([2, 0, -1]);
    expect(versionTuple('2.14.1')).toEqual([2, 14, 1]);
    expect(versionTuple('>=2.10.0 <2.15.0')).toBeUndefined();
  });
});
