import { lineTimestamp } from './timestamp';

describe('lineTimestamp', () => {
  it.each([
    ['2021-12-10T12:34:56.789Z INFO x', '2021-12-10T12:34:56.789Z'],
    ['2021-12-10 12:34:56,789+01:00 INFO x', '2021-12-10T11:34:56.789Z'],
    ['{"@timestamp":"2021-12-10T12:34:56.789-0500","msg":"x"}', '2021-12-10T17:34:56.789Z'],
    [
      '10.0.0.1 - - [10/Dec/2021:12:34:56 +0200] "GET / HTTP/1.1" 200 1',
      '2021-12-10T10:34:56.000Z',
    ],
  ])('%s', (line, iso) => {
    expect(new Date(lineTimestamp(line)?.ms ?? NaN).toISOString()).toBe(iso);
  });

  it('reads zone-less times in the local zone', () => {
    const ts = lineTimestamp('10-Dec-2021 12:34:56.789 SEVERE [main] x');
    expect(ts?.ms).toBe(new Date(2021, 11, 10, 12, 34, 56, 789).getTime());
    expect(lineTimestamp('10 Dec 2021 12:34:56,789 ERROR x')?.ms).toBe(
      new Date(2021, 11, 10, 12, 34, 56, 789).getTime(),
    );
    expect(lineTimestamp('2021/12/10 12:34:56 x')?.ms).toBe(
      new Date(2021, 11, 10, 12, 34, 56).getTime(),
    );
  });

  it('gives syslog lines the reference year, or the year before when that is in the future', () => {
    const notAfterMs = new Date(2022, 0, 5).getTime();
    expect(lineTimestamp('Dec 10 12:34:56 host app: x', { year: 2022, notAfterMs })?.ms).toBe(
      new Date(2021, 11, 10, 12, 34, 56).getTime(),
    );
    expect(lineTimestamp('Jan  3 01:02:03 host app: x', { year: 2022, notAfterMs })?.ms).toBe(
      new Date(2022, 0, 3, 1, 2, 3).getTime(),
    );
  });

  it('has none for continuation lines and nonsense dates', () => {
    expect(lineTimestamp('\tat com.example.Foo.bar(Foo.java:12)')).toBeUndefined();
    expect(lineTimestamp('2021-13-45 99:99:99 x')).toBeUndefined();
  });
});
