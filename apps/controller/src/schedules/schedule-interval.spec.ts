import { scheduleTimingProblem, shortestCronGapS } from './schedule-interval';

describe('schedule timing rule', () => {
  const from = new Date('2026-03-29T00:30:00Z');

  it.each([
    ['* * * * * *', 1],
    ['*/20 * * * * *', 20],
    ['0-5 0 3 * * *', 1],
    ['0 * * * * *', 60],
    ['*/5 * * * *', 300],
    ['0 3 * * 1-5', 86_400],
  ])('finds the shortest gap of "%s": %d s', (cron, gap) => {
    expect(shortestCronGapS(cron, null, from)).toBe(gap);
  });

  it('M4: refuses every form under 60 s, naming the field and the gap', () => {
    expect(scheduleTimingProblem({ cron: '* * * * * *' }, from)).toMatch(
      /^cron "\* \* \* \* \* \*" fires 1 s apart/,
    );
    expect(scheduleTimingProblem({ everySeconds: 30 })).toMatch(/^everySeconds 30 is under/);
    expect(scheduleTimingProblem({ cron: '0 3 * * *', timezone: 'Europe/Paris' }, from)).toBeNull();
    expect(scheduleTimingProblem({ everySeconds: 60 })).toBeNull();
  });

  it('names a pattern or timezone the parser refuses', () => {
    expect(scheduleTimingProblem({ cron: '0 0 30 2 *' })).toMatch(/not a valid cron pattern/);
    expect(scheduleTimingProblem({ cron: '0 3 * * *', timezone: 'Nowhere/Bogus' })).toMatch(
      /not a valid cron pattern in timezone Nowhere\/Bogus/,
    );
  });
});
