/**
 * The schedule cannot start as asked (a bad cron expression or timezone, from the config file or
 * a flag): the caller's fault, exit 2. The message names the value and the fix.
 */
export class ScheduleUsageError extends Error {
  override name = 'ScheduleUsageError';
}
