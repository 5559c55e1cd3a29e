// A worker (issue 18): takes location-sync jobs from the queue and runs each through the one
// pipeline (src/pipeline/run.ts: that location's sync under its own lock, the bridge's after-sync
// work, then the configured exports once no other location waits). Many workers on many
// machines share the locations: the queue hands each job to one of them, the location lock keeps
// a manual `sync` of the same location out, and a killed worker's job goes to another worker
// when its heartbeat lapses, resuming from the location's checkpoint.
import type { LocationQueue, LocationSyncData, QueuedJob } from '../db/queue.ts';
import { locationLockName } from '../db/runs.ts';
import type { Logger } from '../log.ts';
import { runPipeline, type PipelineContext } from '../pipeline/run.ts';
import type { Lister } from '../sync/summary.ts';

export interface WorkerOptions {
  queue: LocationQueue;
  pipeline: PipelineContext;
  /** The configured locations: a job for another one fails (this worker has no token for it). */
  locations: ReadonlyArray<{ id: string; name?: string | undefined }>;
  /** Jobs (locations) run at once. */
  concurrency: number;
  lister: Lister;
  /** Aborting it stops the worker: running jobs stop on a checkpoint and are given back to the queue. */
  signal: AbortSignal;
  logger: Logger;
  /** Called as each job ends (tests, the CLI's counts). */
  onJobDone?: (done: JobDone) => void;
}

export type JobOutcome = 'ok' | 'budget' | 'given back' | 'failed';

export interface JobDone {
  jobId: string;
  locationId: string;
  outcome: JobOutcome;
  error?: string;
}

export interface WorkerSummary {
  jobs: number;
  ok: number;
  budget: number;
  givenBack: number;
  failed: number;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs until `signal` aborts and the jobs in hand are finished or given back. */
export async function runWorker(opts: WorkerOptions): Promise<WorkerSummary> {
  const { queue, logger, signal } = opts;
  const names = new Map(opts.locations.map((l) => [l.id, l.name]));
  const summary: WorkerSummary = { jobs: 0, ok: 0, budget: 0, givenBack: 0, failed: 0 };
  const done = (d: JobDone) => {
    summary.jobs++;
    if (d.outcome === 'ok') summary.ok++;
    else if (d.outcome === 'budget') summary.budget++;
    else if (d.outcome === 'given back') summary.givenBack++;
    else summary.failed++;
    opts.onJobDone?.(d);
  };

  async function handle(job: QueuedJob<LocationSyncData>): Promise<object> {
    const { locationId, full } = job.data;
    const log = logger.child({ jobId: job.id, locationId, attempt: job.retryCount + 1 });
    try {
      const output = await runJob(job, log);
      done({ jobId: job.id, locationId, outcome: output.outcome });
      return output;
    } catch (err) {
      log.warn({ err: message(err) }, 'worker: job failed (the queue retries it with backoff, then keeps it as failed)');
      done({ jobId: job.id, locationId, outcome: 'failed', error: message(err) });
      throw err;
    }

    async function runJob(j: QueuedJob<LocationSyncData>, jobLog: Logger): Promise<{ outcome: JobOutcome } & Record<string, unknown>> {
      if (!names.has(locationId)) {
        throw new Error(`location ${locationId} is not configured on this worker (${opts.locations.length} are): give every worker the same locations`);
      }
      jobLog.info({ full }, 'worker: job started');
      // Our stop, or the job no longer ours (its claim lapsed): either way the sync stops on a checkpoint.
      const stop = AbortSignal.any([signal, j.signal]);
      const result = await runPipeline(opts.pipeline, {
        locations: [{ id: locationId, ...(names.get(locationId) ? { name: names.get(locationId) } : {}) }],
        full, lister: opts.lister, signal: stop, lockName: locationLockName(locationId),
        // The exports once the queue has no location waiting: the last job of a round writes them.
        exports: async () => !(await queue.anyWaiting()),
      });
      const { sync } = result;
      if (sync.outcome === 'locked') {
        const h = sync.lockedBy;
        throw new Error(`location ${locationId} is being synced by another process${h ? ` (pid ${h.pid} on ${h.hostname}, since ${h.acquiredAt})` : ''}: retried later`);
      }
      if (sync.outcome === 'interrupted') {
        if (!signal.aborted) throw new Error('the job stopped on a checkpoint: it is no longer this worker\'s (its heartbeat lapsed?)');
        // Stopping: the location goes back to the queue, for the next worker to resume from the checkpoint.
        const back = await queue.enqueue(locationId, full);
        jobLog.info({ requeued: back.jobId, folded: back.folded }, 'worker: stopped on a checkpoint; job given back to the queue');
        return { outcome: 'given back', requeuedAs: back.jobId };
      }
      const run = sync.runs[0];
      if (sync.outcome === 'failed') throw new Error(run?.error ?? `the sync of ${locationId} failed`);
      if (result.bridgeError) jobLog.warn({ err: message(result.bridgeError) }, 'worker: the LeadCars bridge\'s after-sync work failed (the sync is done)');
      for (const f of result.exports?.failed ?? []) jobLog.warn({ what: f.what, err: f.error.message }, 'worker: an export failed');
      const outcome: JobOutcome = sync.outcome === 'budget' ? 'budget' : 'ok';
      jobLog.info({ outcome, status: run?.status, contactsSeen: run?.contactsSeen, apiCalls: run?.apiCalls, exported: result.exports !== undefined }, 'worker: job done');
      return {
        outcome,
        ...(run ? { status: run.status, mode: run.mode, contactsSeen: run.contactsSeen, apiCalls: run.apiCalls, durationMs: run.durationMs } : {}),
        exported: result.exports !== undefined,
      };
    }
  }

  await queue.work(opts.concurrency, handle);
  logger.info({ concurrency: opts.concurrency, queueSchema: queue.schema }, 'worker: taking jobs');
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  logger.info('worker: stopping (jobs in hand stop on a checkpoint and go back to the queue)');
  await queue.stopWorking();
  return summary;
}
