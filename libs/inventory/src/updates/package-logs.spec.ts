import { parseAptHistory, parseDpkgLog } from './package-logs';

const local = (s: string): string => new Date(s).toISOString();

describe('parseDpkgLog', () => {
  it('takes the last install or upgrade, not status or configure lines', () => {
    const text = [
      '2024-01-01 10:00:00 install a:amd64 <none> 1.0',
      '2024-02-01 11:00:00 upgrade b:amd64 1.0 1.1',
      '2024-03-01 12:00:00 status installed b:amd64 1.1',
      '2024-03-01 12:00:01 configure b:amd64 1.1 <none>',
      'not a dpkg line',
      '2024-13-45 25:00:00 install c 1',
    ].join('\n');
    const { value, warnings } = parseDpkgLog(text, 'dpkg.log');
    expect(value).toEqual({
      at: local('2024-02-01T11:00:00'),
      file: 'dpkg.log',
      detail: 'upgrade b:amd64 1.0 1.1',
    });
    expect(warnings.map((w) => w.line)).toEqual([5, 6]);
  });
});

describe('parseAptHistory', () => {
  it('returns the End-Date of the last stanza that installed or upgraded something', () => {
    const text = [
      '',
      'Start-Date: 2024-02-01  08:29:40',
      'Upgrade: openssl:amd64 (3.0.2-0ubuntu1.12, 3.0.2-0ubuntu1.14)',
      'End-Date: 2024-02-01  08:30:20',
      '',
      'Start-Date: 2024-02-20  12:00:00',
      'Remove: nano:amd64 (6.2-1)',
      'End-Date: 2024-02-20  12:00:05',
      'garbage',
    ].join('\n');
    const { value, warnings } = parseAptHistory(text, 'history.log');
    expect(value).toEqual({
      at: local('2024-02-01T08:30:20'),
      file: 'history.log',
      detail: 'Upgrade: openssl:amd64 (3.0.2-0ubuntu1.12, 3.0.2-0ubuntu1.14)',
    });
    expect(warnings).toEqual([{ file: 'history.log', line: 9, message: expect.any(String) }]);
  });

  it('uses the Start-Date when a transaction never ended (apt killed)', () => {
    const { value } = parseAptHistory('Start-Date: 2024-04-01  07:00:00\nInstall: x:amd64 (1)\n');
    expect(value?.at).toBe(local('2024-04-01T07:00:00'));
  });
});
