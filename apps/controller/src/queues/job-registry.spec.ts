import { checkJobHandlers } from './job-registry.service';
import { ALL_JOBS, jobId } from './queue-names';

describe('job registry check', () => {
  const complete = ALL_JOBS.map((name) => ({ name, owner: `${name}Handler` }));

  it('accepts exactly one handler per declared job', () => {
    expect(checkJobHandlers(complete)).toEqual([]);
  });

  it('names a job without handler, a job with two, and a handler of an undeclared job', () => {
    const [first, second, ...rest] = complete;
    const problems = checkJobHandlers([
      first,
      first,
      ...rest,
      { name: 'mystery.job', owner: 'MysteryHandler' },
    ]);
    expect(problems).toEqual([
      `job "${first.name}" has 2 handlers (${first.owner}, ${first.owner})`,
      `job "${second.name}" has no handler`,
      'handler MysteryHandler serves "mystery.job", which is not a declared job name',
    ]);
  });

  it('builds BullMQ-safe deterministic ids', () => {
    expect(jobId('campaign', 'c1', 'h:1')).toBe('campaign-c1-h_1');
  });
});
