import { parseGroup, parsePasswd, parseShadow, shellAllowsLogin } from './passwd';

describe('passwd, group, shadow', () => {
  it('parses passwd and skips lines with the wrong field count or a non-numeric uid', () => {
    const { value, warnings } = parsePasswd(
      'root:x:0:0:root:/root:/bin/bash\nbroken\nx:x:y:0::/:/bin/sh\n+nis::::::\nsvc:x:998:998::/var/svc:\n',
      'p',
    );
    expect(value.map((u) => [u.name, u.uid, u.shell])).toEqual([
      ['root', 0, '/bin/bash'],
      ['svc', 998, ''],
    ]);
    expect(warnings.map((w) => w.line)).toEqual([2, 3, 4]);
  });

  it('parses group members and skips a group without gid', () => {
    const { value, warnings } = parseGroup('sudo:x:27:alice,bob\nempty:x:30:\nbad:x::\n', 'g');
    expect(value).toEqual([
      { name: 'sudo', gid: 27, members: ['alice', 'bob'], line: 1 },
      { name: 'empty', gid: 30, members: [], line: 2 },
    ]);
    expect(warnings).toEqual([{ file: 'g', line: 3, message: expect.any(String) }]);
  });

  it('tells set, locked and empty passwords apart', () => {
    const { value } = parseShadow(
      'a:$6$x:1:0:99999:7:::\nb:!$6$x:1:0:99999:7:::\nc:*:1:0:99999:7:::\nd::1:0:99999:7:::\n',
    );
    expect([...value]).toEqual([
      ['a', 'set'],
      ['b', 'locked'],
      ['c', 'locked'],
      ['d', 'empty'],
    ]);
  });

  it('refuses nologin and false shells only', () => {
    expect(
      ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false', '/usr/bin/false'].map(shellAllowsLogin),
    ).toEqual([false, false, false, false]);
    expect(['/bin/bash', '/usr/bin/zsh', '', '/usr/bin/git-shell'].map(shellAllowsLogin)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });
});
