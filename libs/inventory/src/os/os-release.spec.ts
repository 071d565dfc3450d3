import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseOsRelease } from './os-release';

const fixture = (name: string): string =>
  readFileSync(path.join(__dirname, '../../test/fixtures/os-release', name), 'utf8');

describe('parseOsRelease', () => {
  it('reads unquoted values (Alpine)', () => {
    const { value, warnings } = parseOsRelease(fixture('alpine'));
    expect(value).toMatchObject({
      ID: 'alpine',
      VERSION_ID: '3.19.1',
      PRETTY_NAME: 'Alpine Linux v3.19',
    });
    expect(warnings).toEqual([]);
  });

  it('reads single and double quotes (RHEL)', () => {
    const { value } = parseOsRelease(fixture('rhel'));
    expect(value).toMatchObject({
      NAME: 'Red Hat Enterprise Linux',
      ID: 'rhel',
      VERSION: '9.3 (Plow)',
      ID_LIKE: 'fedora',
    });
  });

  it('unescapes \\" and skips an unterminated quote and a bare word with their line numbers', () => {
    const { value, warnings } = parseOsRelease(fixture('broken'), 'broken');
    expect(value.PRETTY_NAME).toBe('Debian "quoted" edition');
    expect(value.VERSION_ID).toBeUndefined();
    expect(warnings).toEqual([
      { file: 'broken', line: 4, message: 'not a KEY=value line' },
      { file: 'broken', line: 5, message: 'not a KEY=value line' },
    ]);
  });
});
