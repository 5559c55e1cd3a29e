// Bookkeeping: sync runs, the per-location checkpoint (sync_state) and export runs.
import type { Db } from './open.ts';
import { systemClock, type Clock } from './mirror.ts';
import { prepared } from './statements.ts';

export type SyncRunStatus = 'running' | 'ok' | 'failed' | 'interrupted' | 'budget';

/** The counters of a sync run (columns of sync_runs). */
export interface SyncRunCounters {
  contactsSeen: number;
  contactsNew: number;
  contactsUpdated: number;
  contactsDeleted: number;
  tasks: number;
  notes: number;
  apiCalls: number;
  retries: number;
  rateLimited: number;
}

export interface SyncRun extends SyncRunCounters {
  id: number;
  locationId: string;
  mode: string;
  startedAt: string;
  finishedAt: string | null;
  status: SyncRunStatus;
  error: string | null;
}

const COUNTER_COLUMNS: Record<keyof SyncRunCounters, string> = {
  contactsSeen: 'contacts_seen',
  contactsNew: 'contacts_new',
  contactsUpdated: 'contacts_updated',
  contactsDeleted: 'contacts_deleted',
  tasks: 'tasks',
  notes: 'notes',
  apiCalls: 'api_calls',
  retries: 'retries',
  rateLimited: 'rate_limited',
};

const SELECT_RUN = `SELECT id, location_id AS locationId, mode, started_at AS startedAt, finished_at AS finishedAt,
  status, contacts_seen AS contactsSeen, contacts_new AS contactsNew, contacts_updated AS contactsUpdated,
  contacts_deleted AS contactsDeleted, tasks, notes, api_calls AS apiCalls, retries,
  rate_limited AS rateLimited, error FROM sync_runs`;

/** Records a run as started (status running) and returns its id, the `runId` of the upserts. */
export function startRun(db: Db, run: { locationId: string; mode: string }, clock: Clock = systemClock): number {
  const info = db.sqlite
    .prepare(`INSERT INTO sync_runs (location_id, mode, started_at, status) VALUES (?, ?, ?, 'running')`)
    .run(run.locationId, run.mode, clock().toISOString());
  return Number(info.lastInsertRowid);
}

/** Marks the location's runs still 'running' as interrupted: a killed process left them so. Call under the run lock. */
export function abandonStaleRuns(db: Db, locationId: string, clock: Clock = systemClock): void {
  db.sqlite
    .prepare(
      `UPDATE sync_runs SET status = 'interrupted', finished_at = ?, error = coalesce(error, 'the process ended before the run finished (killed?)')
       WHERE location_id = ? AND status = 'running'`,
    )
    .run(clock().toISOString(), locationId);
}

function setCounters(db: Db, runId: number, counters: Partial<SyncRunCounters>): void {
  const entries = Object.entries(counters).filter(
    (e): e is [keyof SyncRunCounters, number] => e[0] in COUNTER_COLUMNS && typeof e[1] === 'number',
  );
  if (entries.length === 0) return;
  const sets = entries.map(([k]) => `${COUNTER_COLUMNS[k]} = @${k}`).join(', ');
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
  db.transaction(() => {
    setCounters(db, runId, counters);
    db.sqlite
      .prepare(`UPDATE sync_runs SET status = ?, error = ?, finished_at = ? WHERE id = ?`)
      .run(status, error ?? null, clock().toISOString(), runId);
  });
}

export function getRun(db: Db, runId: number): SyncRun | undefined {
  return db.sqlite.prepare(`${SELECT_RUN} WHERE id = ?`).get(runId) as SyncRun | undefined;
}

/** Most recent runs first, optionally for one location. */
export function listRuns(db: Db, options: { locationId?: string; limit?: number } = {}): SyncRun[] {
  return db.sqlite
    .prepare(`${SELECT_RUN} WHERE (@locationId IS NULL OR location_id = @locationId) ORDER BY id DESC LIMIT @limit`)
    .all({ locationId: options.locationId ?? null, limit: options.limit ?? -1 }) as SyncRun[];
}

/** The checkpoint value for (location, key), or undefined. Structured values are JSON text. */
export function getSyncState(db: Db, locationId: string, key: string): string | undefined {
  const row = prepared(db, `SELECT value FROM sync_state WHERE location_id = ? AND key = ?`)
    .get(locationId, key) as { value: string | null } | undefined;
  return row?.value ?? undefined;
}

/** Writes (or, with `null`, clears) a checkpoint value. */
export function setSyncState(db: Db, locationId: string, key: string, value: string | null, clock: Clock = systemClock): void {
  if (value === null) {
    prepared(db, `DELETE FROM sync_state WHERE location_id = ? AND key = ?`).run(locationId, key);
    return;
  }
  prepared(
    db,
    `INSERT INTO sync_state (location_id, key, value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (location_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(locationId, key, value, clock().toISOString());
}

export function startExportRun(db: Db, run: { segment: string; path: string | null }, clock: Clock = systemClock): number {
  const info = db.sqlite
    .prepare(`INSERT INTO export_runs (segment, path, started_at, status) VALUES (?, ?, ?, 'running')`)
    .run(run.segment, run.path, clock().toISOString());
  return Number(info.lastInsertRowid);
}

export function finishExportRun(
  db: Db, exportRunId: number, outcome: { status: 'ok' | 'failed'; rows?: number | null; error?: string | null },
  clock: Clock = systemClock,
): void {
  db.sqlite
    .prepare(`UPDATE export_runs SET status = ?, rows = ?, error = ?, finished_at = ? WHERE id = ?`)
    .run(outcome.status, outcome.rows ?? null, outcome.error ?? null, clock().toISOString(), exportRunId);
}
