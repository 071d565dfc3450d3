import { CronExpressionParser } from 'cron-parser';

/** No schedule may start campaigns more often than this: each run is a fleet-wide campaign. */
export const MIN_SCHEDULE_INTERVAL_S = 60;
/**
 * Fire times compared. A cron is a product of field sets: two seconds in the seconds field give
 * two fires within one minute, and those show within the first few fires; every other gap is a
 * multiple of 60 s. 16 leaves room for day-of-month/day-of-week unions and DST folds.
 */
const FIRES_CHECKED = 16;

export interface ScheduleTiming {
  cron?: string | null;
  everySeconds?: number | null;
  timezone?: string | null;
}

/**
 * The shortest gap, in seconds, between the next fire times of a cron pattern as BullMQ plans
 * them (it uses cron-parser too, 5- and 6-field patterns, in the schedule's timezone). Throws the
 * parser's error for a pattern it refuses.
 */
export function shortestCronGapS(
  cron: string,
  timezone?: string | null,
  from = new Date(),
): number {
  const fires = CronExpressionParser.parse(cron, {
    currentDate: from,
    ...(timezone ? { tz: timezone } : {}),
  });
  let previous = fires.next().getTime();
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < FIRES_CHECKED && fires.hasNext(); i++) {
    const next = fires.next().getTime();
    shortest = Math.min(shortest, next - previous);
    previous = next;
  }
  return shortest / 1000;
}

/**
 * Why a schedule's timing is refused (a message naming the field and the shortest gap found),
 * or null when it fires at most once every MIN_SCHEDULE_INTERVAL_S on every form.
 */
export function scheduleTimingProblem(timing: ScheduleTiming, from = new Date()): string | null {
  if (timing.cron) {
    let gap: number;
    try {
      gap = shortestCronGapS(timing.cron, timing.timezone, from);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return `cron "${timing.cron}" is not a valid cron pattern${timing.timezone ? ` in timezone ${timing.timezone}` : ''}: ${why}`;
    }
    if (gap < MIN_SCHEDULE_INTERVAL_S)
      return `cron "${timing.cron}" fires ${gap} s apart at the shortest; a schedule may run at most once every ${MIN_SCHEDULE_INTERVAL_S} s`;
    return null;
  }
  if (timing.everySeconds !== null && timing.everySeconds !== undefined) {
    if (!Number.isInteger(timing.everySeconds) || timing.everySeconds < MIN_SCHEDULE_INTERVAL_S)
      return `everySeconds ${timing.everySeconds} is under the minimum: a schedule may run at most once every ${MIN_SCHEDULE_INTERVAL_S} s`;
    return null;
  }
  return 'give exactly one of cron and everySeconds';
}
