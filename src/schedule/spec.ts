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

/** The spec with the expression's spacing normalised; ScheduleUsageError naming the bad part. */
export function checkSchedule(spec: ScheduleSpec): ScheduleSpec {
  const expression = spec.cron.trim().split(/\s+/).join(' ');
  const validation = cron.validateDetailed(expression);
  if (!validation.valid) {
    const first = validation.errors[0];
    const why = first ? first.message.replace(/ a invalid /, ' an invalid ') : 'not a cron expression';
    throw new ScheduleUsageError(
      `cron expression "${spec.cron}" is not valid (${why}): give 5 fields "minute hour day month weekday" (e.g. "0 2 * * *") or 6 with seconds first`,
    );
  }
  if (!isTimeZone(spec.timezone)) {
    throw new ScheduleUsageError(`timezone "${spec.timezone}" is not a time zone: give an IANA name such as UTC or Europe/Madrid`);
  }
  return { cron: expression, timezone: spec.timezone };
}
