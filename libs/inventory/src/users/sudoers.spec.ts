import path from 'node:path';
import { RootFs } from '../util/root-fs';
import { loadSudoers, parseSudoers } from './sudoers';

describe('parseSudoers', () => {
  it('reads user and %group specs, ignores comments and Defaults, joins continuations', () => {
    const text = [
      'Defaults env_reset',
      'Defaults:bob !requiretty',
      '# alice ALL=(ALL) ALL',
      'root ALL=(ALL:ALL) ALL',
      '%wheel, carol ALL=(ALL) \\',
      '   NOPASSWD: ALL # trailing comment',
      '#1001 ALL=(ALL) /usr/bin/id',
      '!mallory ALL=(ALL) ALL',
      'garbage without equals',
    ].join('\n');
    const { value, warnings } = parseSudoers(text, 'sudoers');
    expect(value.rules.map((r) => [r.principal, r.kind, r.line, r.nopasswd, r.negated])).toEqual([
      ['root', 'user', 4, false, false],
      ['%wheel', 'group', 5, true, false],
      ['carol', 'user', 5, true, false],
      ['#1001', 'uid', 7, false, false],
      ['mallory', 'user', 8, false, true],
    ]);
    expect(value.rules[1].spec).toBe('ALL=(ALL) NOPASSWD: ALL');
    expect(warnings).toEqual([{ file: 'sudoers', line: 9, message: expect.any(String) }]);
  });

  it('records User_Alias members and include directives of both spellings', () => {
    const { value } = parseSudoers(
      'User_Alias ADMINS = alice, %ops : OTHERS = bob\n#includedir /etc/sudoers.d\n@include extra\n',
    );
    expect([...value.userAliases]).toEqual([
      ['ADMINS', ['alice', '%ops']],
      ['OTHERS', ['bob']],
    ]);
    expect(value.includes).toEqual([
      { path: '/etc/sudoers.d', directory: true, line: 2 },
      { path: 'extra', directory: false, line: 3 },
    ]);
  });
});

describe('loadSudoers', () => {
  it('follows #includedir, skipping files sudo skips (with "." or ending in "~")', async () => {
    const fs = new RootFs(path.join(__dirname, '../../test/fixtures/host-a'));
    const all = await loadSudoers(fs);
    const files = new Set(all.rules.map((r) => r.file));
    expect([...files].sort()).toEqual(['/etc/sudoers', '/etc/sudoers.d/admins']);
    expect(all.rules.some((r) => r.principal === 'eve')).toBe(false);
    const admins = all.rules.find((r) => r.principal === '%admins');
    expect(admins).toMatchObject({
      line: 2,
      nopasswd: true,
      spec: 'web01=(root) NOPASSWD: /usr/bin/systemctl, /usr/bin/journalctl',
    });
  });
});
