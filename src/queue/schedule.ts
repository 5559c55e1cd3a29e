// `ghl-etl schedule --queue`: the cron fan-out through the queue. Every scheduler process keeps
// the schedule's own cron (src/schedule/: seconds, time zones, SIGTERM) and, on each tick, puts
// in that tick's job, whose id is made from the expression, the zone and the tick's slot: the
// queue refuses the same id twice, so however many schedulers fire, the tick lands once. The
// tick jobs are taken by the schedulers themselves and fanned out into one location-sync job
// per location (folded into one already waiting). pg-boss's own scheduler files occurrences per
// minute, so it would drop a 6-field (seconds) expression's ticks; this keeps them.
import type { LocationQueue } from '../db/queue.ts';
import type { Logger } from '../log.ts';
import { enqueueSyncs } from './enqueue.ts';
import type { ScheduleSpec } from '../schedule/spec.ts';

export interface QueuedScheduleOptions {
  queue: LocationQueue;
  spec: ScheduleSpec;
  locationIds: readonly string[];
  logger: Logger;
}

/** What a tick did: queued (this process put the tick in) or already queued by another scheduler. */
export interface TickSent {
  at: string;
  queued: boolean;
}

/** Starts taking tick jobs and returns the function each tick calls. */
export async function queuedSchedule(opts: QueuedScheduleOptions): Promise<(at: Date) => Promise<TickSent>> {
  const { queue, spec, logger } = opts;
  await queue.workTicks(async (job) => {
    const results = await enqueueSyncs(queue, opts.locationIds, false);
    const folded = results.filter((r) => r.folded).length;
    logger.info({ tick: job.data.at, enqueued: results.length - folded, folded }, 'schedule: tick fanned out into the queue');
    return { enqueued: results.length - folded, folded, jobs: results.map((r) => r.jobId) };
  });
  return async (at: Date) => {
    const queued = await queue.sendTick(`${spec.cron}|${spec.timezone}|${at.toISOString()}`, at);
    logger.debug({ tick: at.toISOString(), queued }, queued ? 'schedule: tick queued' : 'schedule: tick already queued by another scheduler');
    return { at: at.toISOString(), queued };
  };
}
