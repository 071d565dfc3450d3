import { Minimatch } from 'minimatch';
import {
  checkExcludePatterns,
  ExcludeMatcher,
  MAX_EXCLUDE_PATTERN_CHARS,
  MAX_EXCLUDE_PATTERNS,
} from './exclude';

describe('ExcludeMatcher', () => {
  it('treats a plain path as a prefix of whole path components', () => {
    const m = new ExcludeMatcher(['/opt/app/']);
    expect(m.match('/opt/app')).toBe('/opt/app/');
    expect(m.match('/opt/app/lib/x.jar')).toBe('/opt/app/');
    expect(m.match('/opt/application/x.jar')).toBeUndefined();
  });

  it('resolves a relative prefix against the working directory', () => {
    const m = new ExcludeMatcher(['build'], '/srv/project');
    expect(m.match('/srv/project/build/a.jar')).toBe('build');
    expect(m.match('/srv/other/build/a.jar')).toBeUndefined();
  });

  it('matches globs with ** and *, and slash-less globs against the base name', () => {
    const m = new ExcludeMatcher(['**/node_modules', '/var/log/**/*.gz', '*.tmp']);
    expect(m.match('/home/u/.cache/x/node_modules')).toBe('**/node_modules');
    expect(m.match('/var/log/a/b/c.gz')).toBe('/var/log/**/*.gz');
    expect(m.match('/var/lib/c.gz')).toBeUndefined();
    expect(m.match('/deep/down/file.tmp')).toBe('*.tmp');
    expect(m.match('/deep/down/file.jar')).toBeUndefined();
  });

  it('matches ?, character classes, escapes and brace alternatives', () => {
    const m = new ExcludeMatcher(['/data/v?/*.[jw]ar', '*.{gz,zip}', '/x/\\*', '/logs/day{1..3}']);
    expect(m.match('/data/v1/app.jar')).toBe('/data/v?/*.[jw]ar');
    expect(m.match('/data/v1/app.war')).toBe('/data/v?/*.[jw]ar');
    expect(m.match('/data/v10/app.jar')).toBeUndefined();
    expect(m.match('/data/v1/app.ear')).toBeUndefined();
    expect(m.match('/a/b.zip')).toBe('*.{gz,zip}');
    expect(m.match('/x/*')).toBe('/x/\\*');
    expect(m.match('/x/y')).toBeUndefined();
    expect(m.match('/logs/day2')).toBe('/logs/day{1..3}');
    expect(m.match('/logs/day4')).toBeUndefined();
  });

  it('is empty without patterns', () => {
    expect(new ExcludeMatcher(['', ' ']).empty).toBe(true);
  });

  it('M1: a pathological glob over a 200-character name returns an answer', () => {
    const m = new ExcludeMatcher(['*a*a*a*a*a*a*a*a*b', '**/*a*a*a*a*a*a*a*a*b/**']);
    const name = 'a'.repeat(200);
    expect(m.match(`/srv/${name}`)).toBeUndefined();
    expect(m.match(`/srv/${name}/${name}/x`)).toBeUndefined();
    expect(m.match(`/srv/${name}b`)).toBe('*a*a*a*a*a*a*a*a*b');
  });

  it('M1: refuses too many or too long patterns and unsupported syntax, naming the pattern', () => {
    const many = Array.from({ length: MAX_EXCLUDE_PATTERNS + 1 }, (_, i) => `/p${i}`);
    expect(() => checkExcludePatterns(many)).toThrow(
      `${MAX_EXCLUDE_PATTERNS + 1} exclude patterns, more than the limit of ${MAX_EXCLUDE_PATTERNS}`,
    );
    const long = `/${'x'.repeat(MAX_EXCLUDE_PATTERN_CHARS)}`;
    expect(() => checkExcludePatterns([long])).toThrow(
      /Invalid exclude pattern "\/x+…": 4097 characters/,
    );
    expect(() => checkExcludePatterns(['!*.jar'])).toThrow(
      'Invalid exclude pattern "!*.jar": negation',
    );
    expect(() => checkExcludePatterns(['*.+(a|b)'])).toThrow(
      'Invalid exclude pattern "*.+(a|b)": extended globs',
    );
    expect(() => checkExcludePatterns(['{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}'])).toThrow(
      /more than 256 alternatives/,
    );
    expect(() => checkExcludePatterns(['[[:nope:]]'])).toThrow(/unknown character class/);
  });

  // The matcher replaced minimatch (which backtracks exponentially): same answers on what both accept.
  it('agrees with minimatch on a table of patterns and paths', () => {
    const patterns = [
      '/opt/**',
      '/opt/*',
      '/opt/*/',
      '**',
      '**/x',
      '*/x',
      'foo/*.jar',
      '*.{gz,zip}',
      '*.{1..3}',
      '[a-c]x',
      '[!a-c]x',
      '[^a-c]x',
      '[[:digit:]]x',
      '\\*x',
      '[ab',
      'a]',
      '/a//*',
      '**/.git',
      '/r/**/*.gz',
      '/r/**/**/*.gz',
      'a**b',
      '/x/a**b',
      '*',
      '/**',
      '/*',
      '*a*a*b',
      '[]]x',
      '[]-a]',
      '[a-]',
      'x{a}',
      'x{}',
      '{a,b',
      '[z-a]',
      '/r/*',
      '?',
      '/??/*',
      '*.?ar',
      '/{opt,srv}/**/lib',
      '/a/{b,c{d,e}}/f',
      'x{01..10}',
      '*[[:upper:]]*',
      '/r/**/x/**',
      '**/a/**/b',
      '/r/*/*/x',
      'é*',
      '*.jar',
    ];
    const paths = [
      '/',
      '/opt',
      '/opt/a',
      '/opt/a/b',
      '/x',
      '/q/x',
      '/foo/a.jar',
      '/a/b.zip',
      '/a/b.2',
      '/q/bx',
      '/q/dx',
      '/q/1x',
      '/q/*x',
      '/q/ax',
      '/q/[ab',
      '/q/a]',
      '/a/b',
      '/r/.git',
      '/r/x.gz',
      '/r/a/b/x.gz',
      '/x/ab',
      '/x/a/b',
      '/x/axxb',
      '/q/aab',
      '/q/]x',
      '/q/b',
      '/q/-',
      '/q/x{a}',
      '/q/x{}',
      '/q/{a,b',
      '/r/q',
      '/ab/c',
      '/q/v.war',
      '/srv/a/lib',
      '/opt/lib',
      '/a/cd/f',
      '/a/b/f',
      '/a/ce/f',
      '/q/x07',
      '/q/x7',
      '/q/aBc',
      '/r/x/y',
      '/r/a/x/y/z',
      '/k/a/m/b',
      '/a/b',
      '/r/1/2/x',
      '/q/été',
      '/q/.jar',
      '/q/a.jar',
    ];
    // Paths as the walker gives them: absolute, resolved, no trailing slash.
    const disagreements: string[] = [];
    for (const pattern of patterns) {
      const mm = new Minimatch(pattern, { dot: true, matchBase: !pattern.includes('/') });
      const ours = new ExcludeMatcher([pattern], '/');
      for (const p of paths) {
        const expected = mm.match(p);
        const actual = ours.match(p) === pattern;
        if (expected !== actual) disagreements.push(`${pattern} ${p}: minimatch ${expected}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('agrees with minimatch on random small globs', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)];
    const patternParts = ['a', 'b', '*', '?', '[ab]', '[!a]', '/', '**/', '/**', '{a,b}'];
    const pathParts = ['a', 'b', 'c', '/'];
    const disagreements: string[] = [];
    for (let n = 0; n < 3000; n++) {
      let pattern = '';
      for (let k = 1 + rand(6); k > 0; k--) pattern += pick(patternParts);
      let p = '/';
      for (let k = rand(7); k > 0; k--) p += pick(pathParts);
      p = p.replace(/\/+/g, '/');
      if (p.length > 1) p = p.replace(/\/$/, '');
      if (!/[*?[\]{}]/.test(pattern)) continue;
      const mm = new Minimatch(pattern, { dot: true, matchBase: !pattern.includes('/') });
      const actual = new ExcludeMatcher([pattern], '/').match(p) === pattern;
      if (mm.match(p) !== actual) disagreements.push(`${pattern} ${p}: minimatch ${mm.match(p)}`);
    }
    expect(disagreements).toEqual([]);
  });
});
