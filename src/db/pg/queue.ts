// The location-sync queue (issue 18): pg-boss on the mirror's PostgreSQL, in a schema of its own
// beside the mirror's (`<dbSchema>_queue`, else `ghl_etl_queue`). pg-boss runs the SQL, so it lives
// in the database seam; the jobs (src/queue/) see only LocationQueue (../queue.ts).
//
// Why pg-boss 12 (pinned exact): singleton keys, retries with backoff, failed jobs kept, and
// heartbeats, so a killed worker's job is retaken in about `heartbeatSeconds`. It declares Node
// >= 22.12 but loads and runs on Node 20 (the trial and this project's tests); 10.x, the last line
// declaring Node 20, has no heartbeats (README "Scaling out").
//
// One queue, `location-sync`, policy `stately` with the location id as singleton key: at most one
// job of a location waits and one runs; an enqueue while one waits is folded into it.
// `location-sync-tick` carries the schedule's ticks (`schedule --queue`): one job per tick, its id
// made from the tick, so however many schedulers fire, the tick is fanned out once.
import { createHash } from 'node:crypto';
import { PgBoss, type Job, type JobWithMetadata, type SendOptions } from 'pg-boss';
import type { PostgresTarget } from './connect.ts';
import {
  LOCATION_SYNC_QUEUE, TICK_QUEUE,
  type LocationQueue, type LocationQueueState, type LocationSyncData, type OpenQueueOptions, type QueuedJob, type QueueSettings, type TickData,
} from '../queue.ts';

/** The schema the queue lives in, beside the mirror's. */
export function queueSchemaOf(mirrorSchema: string | undefined): string {
  return mirrorSchema === undefined ? 'ghl_etl_queue' : `${mirrorSchema.slice(0, 57)}_queue`;
}

function jobOptions(settings: QueueSettings): SendOptions {
  return {
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: 3600,
    heartbeatSeconds: settings.heartbeatSeconds,
    expireInSeconds: Math.round(settings.maxJobHours * 3600),
  };
}

/** A UUID made from `key`, the same in every process (the tick's job id). */
function uuidOf(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

const iso = (d: Date | string | null | undefined): string | null => (d == null ? null : new Date(d).toISOString());

/** Opens the queue on the mirror's database (creating pg-boss's schema and the queues unless readonly). */
export async function openLocationQueue(target: PostgresTarget, settings: QueueSettings, opts: OpenQueueOptions): Promise<LocationQueue | undefined> {
  const schema = queueSchemaOf(target.schema);
  // The supervisor checks heartbeats this often, so a silent worker's job is failed (and retried) soon after its heartbeat lapses.
  const superviseSeconds = Math.max(1, Math.floor(settings.heartbeatSeconds / 5));
  const boss = new PgBoss({
    connectionString: target.url,
    schema,
    application_name: 'ghl-etl queue',
    max: opts.maxConnections ?? 4,
    migrate: !opts.readonly,
    createSchema: !opts.readonly,
    supervise: opts.supervise ?? false,
    schedule: false,
    superviseIntervalSeconds: superviseSeconds,
    monitorIntervalSeconds: superviseSeconds,
  });
  boss.on('error', (err: Error) => opts.onError(err));
  if (opts.readonly) {
    // Without the tables there is no queue to report; start() would create them.
    const probe = new PgBoss({ connectionString: target.url, schema, max: 1, migrate: false, createSchema: false, supervise: false, schedule: false });
    probe.on('error', () => {});
    try {
      await probe.start();
      if (!(await probe.isInstalled())) return undefined;
    } catch {
      return undefined;
    } finally {
      await probe.stop({ graceful: false, close: true }).catch(() => {});
    }
  }
  // Several workers starting at once on an empty database: pg-boss migrates under its own lock; a loser retries.
  await boss.start({ attempts: 5 });
  const options = jobOptions(settings);
  if (!opts.readonly) {
    for (const name of [LOCATION_SYNC_QUEUE, TICK_QUEUE]) {
      if (await boss.getQueue(name)) continue;
      try {
        await boss.createQueue(name, { policy: name === LOCATION_SYNC_QUEUE ? 'stately' : 'standard', ...options });
      } catch (err) {
        // Another process created it meanwhile.
        if (!(await boss.getQueue(name))) throw err;
      }
    }
  }
  const workers: string[] = [];
  const asJob = <T>(job: Job<T>): QueuedJob<T> => ({ id: job.id, data: job.data, retryCount: job.retryCount, signal: job.signal });

  return {
    schema,
    async enqueue(locationId, full) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const id = await boss.send(LOCATION_SYNC_QUEUE, { locationId, full } satisfies LocationSyncData, { ...options, singletonKey: locationId });
        if (id) return { locationId, jobId: id, folded: false };
        // One waits already: fold into it (a full request makes it full).
        const [waiting] = await boss.findJobs<LocationSyncData>(LOCATION_SYNC_QUEUE, { key: locationId, queued: true, limit: 1 });
        if (waiting) {
          if (full && !waiting.data.full) await boss.update(LOCATION_SYNC_QUEUE, { locationId, full: true }, { id: waiting.id });
          return { locationId, jobId: waiting.id, folded: true };
        }
        // It started meanwhile: send again.
      }
      throw new Error(`could not enqueue location ${locationId}: its waiting job kept changing; try again`);
    },
    async work(concurrency, handler) {
      workers.push(await boss.work<LocationSyncData>(LOCATION_SYNC_QUEUE, {
        batchSize: 1, localConcurrency: concurrency, pollingIntervalSeconds: settings.pollSeconds,
      }, async ([job]) => handler(asJob(job!))));
    },
    async sendTick(tickKey, at) {
      const id = await boss.send(TICK_QUEUE, { at: at.toISOString() } satisfies TickData, { ...options, id: uuidOf(`tick ${tickKey}`) });
      return id !== null;
    },
    async workTicks(handler) {
      workers.push(await boss.work<TickData>(TICK_QUEUE, { batchSize: 1, pollingIntervalSeconds: Math.min(settings.pollSeconds, 1) },
        async ([job]) => handler(asJob(job!))));
    },
    async anyWaiting() {
      return (await boss.findJobs(LOCATION_SYNC_QUEUE, { queued: true, limit: 1 })).length > 0;
    },
    async stopWorking() {
      await Promise.all([LOCATION_SYNC_QUEUE, TICK_QUEUE].map((name) => boss.offWork(name, { wait: true })));
    },
    async locationStates(locationIds) {
      const states = new Map<string, LocationQueueState>();
      for (const locationId of locationIds) {
        const jobs: Array<JobWithMetadata<LocationSyncData>> = await boss.findJobs<LocationSyncData>(LOCATION_SYNC_QUEUE, { key: locationId, limit: 10_000 });
        const active = jobs.filter((j) => j.state === 'active');
        const failed = jobs.filter((j) => j.state === 'failed').sort((a, b) => Date.parse(String(b.completedOn ?? b.createdOn)) - Date.parse(String(a.completedOn ?? a.createdOn)));
        const last = failed[0];
        const output = last?.output as { message?: unknown; value?: { message?: unknown } } | undefined;
        states.set(locationId, {
          waiting: jobs.filter((j) => j.state === 'created' || j.state === 'retry').length,
          active: active.length,
          activeSince: iso(active[0]?.startedOn),
          failed: failed.length,
          lastFailure: last ? {
            jobId: last.id, at: iso(last.completedOn ?? last.createdOn)!,
            error: String(output?.message ?? output?.value?.message ?? 'no message'),
          } : null,
        });
      }
      return states;
    },
    async close() {
      await boss.stop({ graceful: false, close: true, timeout: 5_000 });
    },
  };
}
