import { covers, findingSource, incompleteReason, isUnder, scopeOf } from './scan-scope';
import { scanParams } from './scan.kind';

const scope = (given: Record<string, unknown>) => scopeOf(scanParams(given));
const at = (path: string) => ({ source: 'path' as const, path });

describe('scan scope: what a scan covered', () => {
  it('reads a command: no paths is "/", processes-only has no roots', () => {
    expect(scope({})).toMatchObject({ roots: ['/'], processes: true });
    expect(scope({ paths: ['/srv/'], processes: false })).toMatchObject({
      roots: ['/srv'],
      processes: false,
    });
    expect(scope({ processesOnly: true })).toMatchObject({ roots: [], processes: true });
  });

  it('places paths under roots, directories and archives alike, never a sibling prefix', () => {
    expect(isUnder('/srv/app/x.jar', '/srv/app')).toBe(true);
    expect(isUnder('/srv/app.jar!/lib/y.jar', '/srv/app.jar')).toBe(true);
    expect(isUnder('/srv/application/x.jar', '/srv/app')).toBe(false);
    expect(isUnder('/anything', '/')).toBe(true);
  });

  it('is incomplete when a root could not be read, not when a file under it could not', () => {
    const s = scope({ paths: ['/srv', '/opt'] });
    expect(incompleteReason(s, [{ path: '/opt', message: 'ENOENT' }])).toMatch(/root \/opt/);
    expect(incompleteReason(s, [{ path: '/', message: 'EACCES' }])).toMatch(/root \/srv/);
    expect(incompleteReason(s, [{ path: '/srv/a.jar', message: 'corrupt' }])).toBeNull();
    expect(incompleteReason(scope({ paths: ['srv'] }), [])).toMatch(/not an absolute path/);
    expect(incompleteReason(scope({ processesOnly: true }), [{ path: '', message: 'x' }])).toMatch(
      /JVMs/,
    );
  });

  it('covers a finding only where it looked completely', () => {
    const s = scope({ paths: ['/srv'], exclude: ['/srv/cache'], processes: false });
    expect(covers(s, [], at('/srv/a/x.jar'))).toBe(true);
    expect(covers(s, [], at('/opt/x.jar'))).toBe(false);
    expect(covers(s, [], at('/srv/cache/x.jar'))).toBe(false);
    expect(covers(s, [{ path: '/srv/a', message: 'EACCES' }], at('/srv/a/x.jar'))).toBe(false);
    expect(covers(s, [{ path: '/srv/a/x.jar!/in.jar', message: 'bad' }], at('/srv/a/x.jar'))).toBe(
      false,
    );
    expect(covers(s, [], { source: 'process', path: '/srv/a/x.jar' })).toBe(false);
    expect(covers(scope({ paths: ['/srv'], exclude: ['**/tmp'] }), [], at('/srv/x.jar'))).toBe(
      false,
    );
    const jvms = scope({ processesOnly: true });
    expect(covers(jvms, [], { source: 'process', path: '/srv/x.jar' })).toBe(true);
    expect(
      covers(jvms, [{ path: '/proc/1/maps', message: 'pid 1: EACCES' }], {
        source: 'process',
        path: '/srv/x.jar',
      }),
    ).toBe(false);
  });

  it('tells a copy found in a running JVM by its evidence', () => {
    expect(findingSource(['running in JVM pid 1 (app), open file'])).toBe('process');
    expect(findingSource(['JndiLookup.class present'])).toBe('path');
  });
});
