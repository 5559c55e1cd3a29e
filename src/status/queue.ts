// The job queue in `status` (issue 18): per location, jobs waiting, the one running and which
// worker runs it (`host:pid`, from the run it recorded), and jobs that failed their last attempt.
import type { LocationQueueState } from '../db/queue.ts';
import type { LocationStatus, StatusReport } from './report.ts';

export interface LocationQueueStatus {
  waiting: number;
  active: number;
  /** `host:pid` of the worker running the location's job (its sync run's `worker`), when one runs. */
  worker: string | null;
  activeSince: string | null;
  /** Jobs kept as failed after their last attempt (pg-boss keeps them 14 days). */
  failed: number;
  lastFailure: { jobId: string; at: string; error: string } | null;
}

/** The report with each location's queue state (locations the queue never saw: all zero). */
export function withQueue(report: StatusReport, states: ReadonlyMap<string, LocationQueueState>): StatusReport {
  return { ...report, locations: report.locations.map((l) => ({ ...l, queue: queueStatusOf(l, states.get(l.locationId)) })) };
}

function queueStatusOf(l: LocationStatus, state: LocationQueueState | undefined): LocationQueueStatus {
  const active = state?.active ?? 0;
  return {
    waiting: state?.waiting ?? 0,
    active,
    worker: active > 0 && l.lastRun?.status === 'running' ? l.lastRun.worker ?? null : null,
    activeSince: state?.activeSince ?? null,
    failed: state?.failed ?? 0,
    lastFailure: state?.lastFailure ?? null,
  };
}
