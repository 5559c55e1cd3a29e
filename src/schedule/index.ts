// The schedule's public surface (the CLI's `schedule` command imports from here).
export { startSchedule } from './job.ts';
export type { ScheduleHandle, ScheduleLogger, ScheduleOptions, TickOutcome, TickReport, TickRunResult } from './job.ts';
export { checkSchedule, isTimeZone } from './spec.ts';
export type { ScheduleSpec } from './spec.ts';
export { ScheduleUsageError } from './errors.ts';
