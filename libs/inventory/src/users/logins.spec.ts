import { LASTLOG_RECORD_SIZE, parseLastlogRecord, parseWtmp, UTMP_RECORD_SIZE } from './logins';

function utmp(type: number, user: string, sec: number, line = 'pts/0', host = ''): Buffer {
  const b = Buffer.alloc(UTMP_RECORD_SIZE);
  b.writeInt16LE(type, 0);
  b.write(line, 8);
  b.write(user, 44);
  b.write(host, 76);
  b.writeInt32LE(sec, 340);
  return b;
}

describe('parseWtmp', () => {
  it('keeps the latest USER_PROCESS record per user and ignores logouts and boots', () => {
    const buf = Buffer.concat([
      utmp(2, 'reboot', 1_700_000_000, '~'),
      utmp(7, 'alice', 1_700_000_100, 'pts/0', '10.0.0.7'),
      utmp(8, 'alice', 1_700_000_900),
      utmp(7, 'alice', 1_700_000_500, 'pts/1', '10.0.0.8'),
      utmp(7, 'bob', 1_700_000_200, 'tty1'),
    ]);
    const { value, warnings } = parseWtmp(buf, 'wtmp');
    expect(value.get('alice')).toEqual({
      at: new Date(1_700_000_500_000).toISOString(),
      line: 'pts/1',
      host: '10.0.0.8',
      source: 'wtmp',
    });
    expect(value.get('bob')?.line).toBe('tty1');
    expect(value.has('reboot')).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('counts records with an impossible type and a truncated tail', () => {
    const buf = Buffer.concat([
      utmp(7, 'alice', 1_700_000_100),
      utmp(99, 'x', 1),
      Buffer.alloc(10),
    ]);
    const { value, warnings } = parseWtmp(buf, 'wtmp');
    expect(value.size).toBe(1);
    expect(warnings.map((w) => w.line)).toEqual([undefined, 2]);
  });
});

describe('parseLastlogRecord', () => {
  it('reads time, line and host; zero time means never', () => {
    const rec = Buffer.alloc(LASTLOG_RECORD_SIZE);
    rec.writeUInt32LE(1_700_000_000, 0);
    rec.write('pts/3', 4);
    rec.write('jump.example', 36);
    expect(parseLastlogRecord(rec)).toEqual({
      at: new Date(1_700_000_000_000).toISOString(),
      line: 'pts/3',
      host: 'jump.example',
      source: 'lastlog',
    });
    expect(parseLastlogRecord(Buffer.alloc(LASTLOG_RECORD_SIZE))).toBeUndefined();
  });
});
