// Run history for `ghl-etl runs`: sync runs and export runs in one list, newest first.
import { listExportRuns, type ExportRun } from './exports.ts';
import type { Db } from './open.ts';
import { listRuns as listSyncRuns, type ShownRunStatus, type SyncRun } from './runs.ts';

export type RunEntry = ({ type: 'sync' } & Omit<SyncRun, 'status'> & { status: ShownRunStatus }) | ({ type: 'export' } & ExportRun);

/** The `limit` most recent runs of either kind (by start time, newest first); `limit` < 0 for all. */
export function listRunHistory(db: Db, limit = 20): RunEntry[] {
  return mergeRunHistory(listSyncRuns(db, { limit }), listExportRuns(db, limit), limit);
}

/** The `limit` most recent of both lists (each newest first, `limit` long at most). */
export function mergeRunHistory(
  syncRuns: Array<Omit<SyncRun, 'status'> & { status: ShownRunStatus }>, exportRuns: ExportRun[], limit: number,
): RunEntry[] {
  const syncs = syncRuns.map((r): RunEntry => ({ type: 'sync', ...r }));
  const exports = exportRuns.map((r): RunEntry => ({ type: 'export', ...r }));
  const all = [...syncs, ...exports].sort(
    (a, b) => b.startedAt.localeCompare(a.startedAt) || (a.type === b.type ? b.id - a.id : a.type === 'export' ? -1 : 1),
  );
  return limit < 0 ? all : all.slice(0, limit);
}
