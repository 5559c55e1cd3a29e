// The schedule's cron expression and timezone, checked before anything starts: a typo in either
// must be an error at start, not a job that silently never fires.
import cron from 'node-cron';
import { ScheduleUsageError } from './errors.ts';

export interface ScheduleSpec {
  /** 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first). */
  cron: string;
  /** An IANA time zone (UTC, Europe/Madrid). */
  timezone: string;
}

/** Whether `timezone` is one this Node.js knows (its Intl data decides, as node-cron's does). */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return timezone.trim() !== '';
  } catch {
    return false;
  }
}

const normalised = (expression: string): string => expression.trim().split(/\s+/).join(' ');

/** Why `expression` is not a cron expression node-cron runs ("is not valid (...): give ..."); undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  const validation = cron.validateDetailed(normalised(expression));
  if (validation.valid) return undefined;
  const first = validation.errors[0];
  const why = first ? first.message.replace(/ a invalid /, ' an invalid ') : 'not a cron expression';
  return `is not valid (${why}): give 5 fields "minute hour day month weekday" (e.g. "0 2 * * *") or 6 with seconds first`;
}

/** Why `timezone` is not a time zone ("is not a time zone: give ..."); undefined when it is one. */
export function timeZoneProblem(timezone: string): string | undefined {
  return isTimeZone(timezone) ? undefined : 'is not a time zone: give an IANA name such as UTC or Europe/Madrid';
}

/** The spec with the expression's spacing normalised; ScheduleUsageError naming the bad part. */
export function checkSchedule(spec: ScheduleSpec): ScheduleSpec {
  const badCron = cronProblem(spec.cron);
  if (badCron) throw new ScheduleUsageError(`cron expression "${spec.cron}" ${badCron}`);
  const badZone = timeZoneProblem(spec.timezone);
  if (badZone) throw new ScheduleUsageError(`timezone "${spec.timezone}" ${badZone}`);
  return { cron: normalised(spec.cron), timezone: spec.timezone };
}
