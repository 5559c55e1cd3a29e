// The location-sync job queue as the jobs see it (issue 18): what a worker, `enqueue`, the
// schedule's fan-out and `status` call. Its one implementation is pg-boss on the mirror's
// PostgreSQL (pg/queue.ts), loaded only by the commands that use the queue.

export const LOCATION_SYNC_QUEUE = 'location-sync';
export const TICK_QUEUE = 'location-sync-tick';

/** Thrown where a command needs the queue and `db` is SQLite (the CLI exits 2). */
export class QueueNeedsPostgresError extends Error {
  override name = 'QueueNeedsPostgresError';
  constructor(what: string, shown: string) {
    super(`${what} needs a PostgreSQL database (the job queue lives there), and the database is the SQLite file ${shown}: ` +
      'set GHL_ETL_DB (or "db" in the config file) to a postgresql:// URL, see README "Scaling out"');
  }
}

/** The `worker.*` settings the queue uses (src/config/schema.ts). */
export interface QueueSettings {
  heartbeatSeconds: number;
  retryLimit: number;
  retryDelaySeconds: number;
  pollSeconds: number;
  maxJobHours: number;
}

export interface LocationSyncData {
  locationId: string;
  /** Re-read every contact's tasks and notes (`enqueue sync --full`). */
  full: boolean;
}

export interface TickData {
  /** The tick's slot, ISO. */
  at: string;
}

/** A job as the handler gets it: `signal` aborts when the job is no longer this worker's (its claim lapsed). */
export interface QueuedJob<T> {
  id: string;
  data: T;
  /** 0 on the first attempt. */
  retryCount: number;
  signal: AbortSignal;
}

export interface EnqueueResult {
  locationId: string;
  jobId: string;
  /** A job of the location was already waiting: this one was folded into it (made full when asked). */
  folded: boolean;
}

/** The queue's jobs of one location, as `status` shows them. */
export interface LocationQueueState {
  waiting: number;
  active: number;
  /** Since when the running job runs. */
  activeSince: string | null;
  /** Jobs that failed their last attempt (kept `worker.retention`: pg-boss's 14 days). */
  failed: number;
  lastFailure: { jobId: string; at: string; error: string } | null;
}

export interface LocationQueue {
  /** The schema pg-boss's tables are in. */
  readonly schema: string;
  enqueue(locationId: string, full: boolean): Promise<EnqueueResult>;
  /** Takes location-sync jobs, `concurrency` at once, until stopWorking; a handler that throws fails the attempt (retried with backoff). */
  work(concurrency: number, handler: (job: QueuedJob<LocationSyncData>) => Promise<object>): Promise<void>;
  /** Puts a tick job in (false: this tick was already in: another scheduler sent it). */
  sendTick(tickKey: string, at: Date): Promise<boolean>;
  workTicks(handler: (job: QueuedJob<TickData>) => Promise<object>): Promise<void>;
  /** Whether a location-sync job waits (created, or waiting to be retried). */
  anyWaiting(): Promise<boolean>;
  /** Stops taking jobs and waits for the handlers running to return. */
  stopWorking(): Promise<void>;
  /** Per location id, its jobs' state. */
  locationStates(locationIds: readonly string[]): Promise<Map<string, LocationQueueState>>;
  close(): Promise<void>;
}

export interface OpenQueueOptions {
  /** Only read (status): nothing is created, and undefined is returned when the queue was never set up. */
  readonly?: boolean;
  /** This process fails other workers' silent jobs (workers do; enqueue and status do not). */
  supervise?: boolean;
  /** Connections pg-boss may open (default 4). */
  maxConnections?: number;
  /** pg-boss's own errors (a lost connection, a failed maintenance pass): logged, never fatal. */
  onError: (err: Error) => void;
}
