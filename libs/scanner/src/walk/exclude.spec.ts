import { ExcludeMatcher } from './exclude';

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

  it('is empty without patterns', () => {
    expect(new ExcludeMatcher(['', ' ']).empty).toBe(true);
  });
});
