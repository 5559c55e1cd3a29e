// Bookkeeping: sync runs and export runs.
import { isoNow, systemClock, type Clock } from './clock.ts';
import { columnName, columnsOf, selectList } from './columns.ts';
import type { Db } from './open.ts';
import { syncRuns } from './schema.ts';
import { atomically, prepared } from './statements.ts';

export type SyncRunStatus = 'running' | 'ok' | 'failed' | 'interrupted' | 'budget';

/** The counters of a sync run (columns of sync_runs). */
export type SyncRunCounters = Pick<typeof syncRuns.$inferSelect,
  'contactsSeen' | 'contactsNew' | 'contactsUpdated' | 'contactsDeleted' | 'tasks' | 'notes' | 'apiCalls' | 'retries' | 'rateLimited'>;

export type SyncRun = Omit<typeof syncRuns.$inferSelect, 'status'> & { status: SyncRunStatus };

const COUNTER_KEYS: ReadonlyArray<keyof SyncRunCounters> = [
  'contactsSeen', 'contactsNew', 'contactsUpdated', 'contactsDeleted', 'tasks', 'notes', 'apiCalls', 'retries', 'rateLimited',
];

const SELECT_RUN = `SELECT ${selectList(columnsOf(syncRuns))} FROM sync_runs`;

/** Records a run as started (status running) and returns its id, the `runId` of the upserts. */
export function startRun(db: Db, run: { locationId: string; mode: string }, clock: Clock = systemClock): number {
  const info = prepared(db, `INSERT INTO sync_runs (location_id, mode, started_at, status) VALUES (?, ?, ?, 'running')`)
    .run(run.locationId, run.mode, isoNow(clock));
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

/** Most recent runs first, optionally for one location. */
export function listRuns(db: Db, options: { locationId?: string; limit?: number } = {}): SyncRun[] {
  return prepared(db, `${SELECT_RUN} WHERE (@locationId IS NULL OR location_id = @locationId) ORDER BY id DESC LIMIT @limit`)
    .all({ locationId: options.locationId ?? null, limit: options.limit ?? -1 }) as SyncRun[];
}
