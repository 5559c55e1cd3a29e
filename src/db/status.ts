// What `ghl-etl status` reads of the sync runs: per location, the last run, the last finished
// one, the last success, the last error, and the API calls of recent runs.
import { bridgeQueueCounts, type BridgeQueueCounts } from './bridge-health.ts';
import type { Db } from './connection.ts';
import { reportedDailyBudget, type ReportedDailyBudget } from './daily-budget.ts';
import { driftByLocation, foreignWebhookCounts, type DriftRow } from './drift.ts';
import { listExportRuns, type ExportRun } from './exports.ts';
import type { LockHolder } from './locks.ts';
import { lockHolderOf, locationLockName, syncLockHolder, type SyncRunStatus } from './runs.ts';
import { prepared } from './statements.ts';

export interface RunBrief {
  id: number;
  status: SyncRunStatus;
  mode: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** `host:pid` of the process that ran it (null for runs before workers). */
  worker: string | null;
}

export interface LocationRunsStatus {
  /** The most recent run (possibly still running). */
  lastRun: RunBrief | null;
  /** The most recent run that is not running. */
  lastFinished: RunBrief | null;
  /** When the last successful run finished. */
  lastSuccessAt: string | null;
  lastError: { at: string; message: string } | null;
  /** Requests made by runs started at or after `since`. */
  apiCallsSince: number;
}

const RUN_COLUMNS = `id, status, mode, started_at AS startedAt, finished_at AS finishedAt, error, worker`;

/** Every location the mirror knows (stored, or seen in a run), with its stored name; sorted by id. */
export function knownLocations(db: Db): Array<{ id: string; name: string | null }> {
  const names = new Map((prepared(db, `SELECT id, name FROM locations ORDER BY id`).all() as Array<{ id: string; name: string | null }>)
    .map((l) => [l.id, l.name]));
  for (const r of prepared(db, `SELECT DISTINCT location_id AS id FROM sync_runs`).all() as Array<{ id: string }>) {
    if (!names.has(r.id)) names.set(r.id, null);
  }
  return [...names].map(([id, name]) => ({ id, name })).sort((a, b) => a.id.localeCompare(b.id));
}

export function locationRunsStatus(db: Db, locationId: string, since: string): LocationRunsStatus {
  const lastRun = (prepared(db, `SELECT ${RUN_COLUMNS} FROM sync_runs WHERE location_id = ? ORDER BY id DESC LIMIT 1`)
    .get(locationId) as RunBrief | undefined) ?? null;
  const lastFinished = (prepared(db, `SELECT ${RUN_COLUMNS} FROM sync_runs WHERE location_id = ? AND status <> 'running' ORDER BY id DESC LIMIT 1`)
    .get(locationId) as RunBrief | undefined) ?? null;
  const success = prepared(db, `SELECT max(finished_at) AS at FROM sync_runs WHERE location_id = ? AND status = 'ok'`)
    .get(locationId) as { at: string | null };
  const errored = prepared(db,
    `SELECT coalesce(finished_at, started_at) AS at, error AS message FROM sync_runs
     WHERE location_id = ? AND error IS NOT NULL ORDER BY id DESC LIMIT 1`,
  ).get(locationId) as { at: string; message: string } | undefined;
  const calls = prepared(db, `SELECT coalesce(sum(api_calls), 0) AS n FROM sync_runs WHERE location_id = ? AND started_at >= ?`)
    .get(locationId, since) as { n: number };
  return { lastRun, lastFinished, lastSuccessAt: success.at, lastError: errored ?? null, apiCallsSince: calls.n };
}

/** Everything `status` reads, gathered in one read (the report itself is computed from it: src/status/report.ts). */
export interface StatusSnapshot {
  /** `configured` (names filled in from the mirror), or with none configured every location the mirror knows. */
  locations: Array<{
    id: string; name: string | null; runs: LocationRunsStatus; reportedDaily: ReportedDailyBudget | undefined;
    /** Who holds the location's own lock (a worker's or a sync's run of it), if anyone. */
    lock?: LockHolder | undefined;
  }>;
  /** Who holds the sync lock, if anyone. */
  syncLock: LockHolder | undefined;
  drift: DriftRow[];
  lastExport: ExportRun | null;
  /** Webhook events of locations outside the configured ones (only when some are configured). */
  foreignWebhooks: Array<{ locationId: string; events: number }>;
  bridge: BridgeQueueCounts;
}

/** The locations status covers: the configured ones, named from the mirror where the config does not; else every one it knows. */
export function statusLocations(known: Array<{ id: string; name: string | null }>, configured: ReadonlyArray<{ id: string; name?: string | undefined }>): Array<{ id: string; name: string | null }> {
  if (configured.length === 0) return known;
  const names = new Map(known.map((l) => [l.id, l.name]));
  return configured.map((l) => ({ id: l.id, name: l.name ?? names.get(l.id) ?? null }));
}

export function statusSnapshot(db: Db, configured: ReadonlyArray<{ id: string; name?: string | undefined }>, since: string): StatusSnapshot {
  // One read transaction: the runs and the sync lock they are checked against are one snapshot.
  return db.transaction(() => ({
    locations: statusLocations(knownLocations(db), configured).map((l) => ({
      ...l, runs: locationRunsStatus(db, l.id, since), reportedDaily: reportedDailyBudget(db, l.id), lock: lockHolderOf(db, locationLockName(l.id)),
    })),
    syncLock: syncLockHolder(db),
    drift: [...driftByLocation(db).values()].flat(),
    lastExport: listExportRuns(db, 1)[0] ?? null,
    foreignWebhooks: configured.length > 0 ? foreignWebhookCounts(db, configured.map((l) => l.id)) : [],
    bridge: bridgeQueueCounts(db),
  }));
}
