// Bookkeeping: sync runs and export runs.
import { hostname } from 'node:os';
import { isoNow, systemClock, type Clock } from './clock.ts';
import { columnName, columnsOf, selectList } from './columns.ts';
import { isProcessAlive, type LockHolder } from './locks.ts';
import type { Db } from './open.ts';
import { syncRuns } from './schema.ts';
import { atomically, prepared } from './statements.ts';

export type SyncRunStatus = 'running' | 'ok' | 'failed' | 'interrupted' | 'budget';

/**
 * A run as reported: 'abandoned' is a run recorded 'running' whose process is gone (killed hard);
 * the next sync marks it 'interrupted' in the table and resumes its work.
 */
export type ShownRunStatus = SyncRunStatus | 'abandoned';

/** The lock a sync holds while it runs (src/sync/run.ts): a 'running' run without it is abandoned. */
export const SYNC_LOCK = 'sync';

/** The counters of a sync run (columns of sync_runs). */
export type SyncRunCounters = Pick<typeof syncRuns.$inferSelect,
  'contactsSeen' | 'contactsNew' | 'contactsUpdated' | 'contactsDeleted' | 'tasks' | 'notes' | 'apiCalls' | 'retries' | 'rateLimited'>;

export type SyncRun = Omit<typeof syncRuns.$inferSelect, 'status'> & { status: SyncRunStatus };

const COUNTER_KEYS: ReadonlyArray<keyof SyncRunCounters> = [
  'contactsSeen', 'contactsNew', 'contactsUpdated', 'contactsDeleted', 'tasks', 'notes', 'apiCalls', 'retries', 'rateLimited',
];

const SELECT_RUN = `SELECT ${selectList(columnsOf(syncRuns))} FROM sync_runs`;

/** The lock a location's sync holds while it runs, whoever runs it (`sync`, `schedule`, a `worker`): one run per location at a time. */
export function locationLockName(locationId: string): string {
  return `${SYNC_LOCK}:${locationId}`;
}

/** This process as `sync_runs.worker` records it: `host:pid`. */
export function workerName(): string {
  return `${hostname()}:${process.pid}`;
}

/** Records a run as started (status running, `worker` this process) and returns its id, the `runId` of the upserts. */
export function startRun(db: Db, run: { locationId: string; mode: string }, clock: Clock = systemClock): number {
  const info = prepared(db, `INSERT INTO sync_runs (location_id, mode, started_at, status, worker) VALUES (?, ?, ?, 'running', ?)`)
    .run(run.locationId, run.mode, isoNow(clock), workerName());
  return Number(info.lastInsertRowid);
}

/** Marks the location's runs still 'running' as interrupted: a killed process left them so. Call under the run lock. */
export function abandonStaleRuns(db: Db, locationId: string, clock: Clock = systemClock): void {
  prepared(
    db,
    `UPDATE sync_runs SET status = 'interrupted', finished_at = ?, error = coalesce(error, 'the process ended before the run finished (killed?)')
     WHERE location_id = ? AND status = 'running'`,
  ).run(isoNow(clock), locationId);
}

function setCounters(db: Db, runId: number, counters: Partial<SyncRunCounters>): void {
  const entries = Object.entries(counters).filter(
    (e): e is [keyof SyncRunCounters, number] => (COUNTER_KEYS as string[]).includes(e[0]) && typeof e[1] === 'number',
  );
  if (entries.length === 0) return;
  const sets = entries.map(([k]) => `${columnName(syncRuns, k)} = @${k}`).join(', ');
  prepared(db, `UPDATE sync_runs SET ${sets} WHERE id = @runId`).run({ ...Object.fromEntries(entries), runId });
}

/** Stores progress so far (absolute values), e.g. at each checkpoint. */
export function updateRun(db: Db, runId: number, counters: Partial<SyncRunCounters>): void {
  setCounters(db, runId, counters);
}

/** Ends a run with its outcome and final counters (absolute values); fields that are not counters are ignored. */
export function finishRun(
  db: Db,
  runId: number,
  outcome: { status: Exclude<SyncRunStatus, 'running'>; error?: string | null } & Partial<SyncRunCounters>,
  clock: Clock = systemClock,
): void {
  const { status, error, ...counters } = outcome;
  atomically(db, () => {
    setCounters(db, runId, counters);
    prepared(db, `UPDATE sync_runs SET status = ?, error = ?, finished_at = ? WHERE id = ?`)
      .run(status, error ?? null, isoNow(clock), runId);
  });
}

/** Whether the location has ever completed a sync (its next one is then not its first). */
export function hasCompletedRun(db: Db, locationId: string): boolean {
  return prepared(db, `SELECT 1 FROM sync_runs WHERE location_id = ? AND status = 'ok' LIMIT 1`).get(locationId) !== undefined;
}

export function getRun(db: Db, runId: number): SyncRun | undefined {
  return prepared(db, `${SELECT_RUN} WHERE id = ?`).get(runId) as SyncRun | undefined;
}

/**
 * Whether a run recorded 'running' still has its process: the sync lock is held, unexpired, by a
 * process alive on this host (or on another host, whose pids we cannot check), and was taken
 * before the run started (a newer sync holding it does not keep an older killed run alive).
 */
export function stillRunning(run: { startedAt: string }, holder: LockHolder | undefined, now: number): boolean {
  if (!holder || Date.parse(holder.expiresAt) <= now) return false;
  if (holder.hostname === hostname() && !isProcessAlive(holder.pid)) return false;
  return holder.acquiredAt <= run.startedAt;
}

/** `rows` with each 'running' run whose process is gone shown as 'abandoned'; read with the rows, in one transaction. */
export function showAbandoned<T extends { status: string; startedAt: string; locationId?: string }>(db: Db, rows: T[], clock: Clock = systemClock): Array<Omit<T, 'status'> & { status: T['status'] | 'abandoned' }> {
  if (!rows.some((r) => r.status === 'running')) return rows;
  const byLocation = new Map<string, LockHolder>();
  for (const r of rows) {
    if (r.status !== 'running' || r.locationId === undefined || byLocation.has(r.locationId)) continue;
    const holder = lockHolderOf(db, locationLockName(r.locationId));
    if (holder) byLocation.set(r.locationId, holder);
  }
  return showAbandonedBy(syncLockHolder(db), rows, clock, byLocation);
}

/** The row of the lock `name`, if any. */
export function lockHolderOf(db: Db, name: string): LockHolder | undefined {
  return prepared(db, `SELECT name, owner, pid, hostname, acquired_at AS acquiredAt, expires_at AS expiresAt FROM locks WHERE name = ?`)
    .get(name) as LockHolder | undefined;
}

/** The sync lock's row, if any. */
export function syncLockHolder(db: Db): LockHolder | undefined {
  return lockHolderOf(db, SYNC_LOCK);
}

/**
 * `rows` with each 'running' run that neither `holder` (the sync lock's holder, if any) nor its
 * location's lock holder (`byLocation`, by location id: a worker holds only that) keeps alive shown as 'abandoned'.
 */
export function showAbandonedBy<T extends { status: string; startedAt: string; locationId?: string }>(
  holder: LockHolder | undefined, rows: T[], clock: Clock = systemClock, byLocation?: ReadonlyMap<string, LockHolder>,
): Array<Omit<T, 'status'> & { status: T['status'] | 'abandoned' }> {
  const now = clock().getTime();
  const alive = (r: T) => stillRunning(r, holder, now) || (r.locationId !== undefined && stillRunning(r, byLocation?.get(r.locationId), now));
  return rows.map((r) => (r.status === 'running' && !alive(r) ? { ...r, status: 'abandoned' } : r));
}

/** Most recent runs first, optionally for one location; a 'running' run whose process is gone is 'abandoned'. */
export function listRuns(db: Db, options: { locationId?: string; limit?: number } = {}): Array<Omit<SyncRun, 'status'> & { status: ShownRunStatus }> {
  return db.transaction(() => showAbandoned(db, prepared(db, `${SELECT_RUN} WHERE (@locationId IS NULL OR location_id = @locationId) ORDER BY id DESC LIMIT @limit`)
    .all({ locationId: options.locationId ?? null, limit: options.limit ?? -1 }) as SyncRun[]));
}
