// export_runs: one row per CSV export, written when it starts (status running) and finished with
// its outcome, so a crashed export shows as running with no sha256 rather than vanishing.
import type { Db } from './open.ts';
import { isoNow, systemClock, type Clock } from './clock.ts';
import { prepared } from './statements.ts';

export type ExportKind = 'contacts' | 'tasks' | 'notes';
export type ExportRunStatus = 'running' | 'ok' | 'failed';

export interface ExportRun {
  id: number;
  segment: string;
  kind: ExportKind;
  path: string | null;
  rows: number | null;
  sha256: string | null;
  startedAt: string;
  finishedAt: string | null;
  status: ExportRunStatus;
  error: string | null;
}

const SELECT_EXPORT_RUN = `SELECT id, segment, kind, path, rows, sha256, started_at AS startedAt,
  finished_at AS finishedAt, status, error FROM export_runs`;

/** Records an export as started and returns its id. `path` is the final file ('-' for stdout). */
export function recordExportStart(
  db: Db, run: { segment: string; kind: ExportKind; path: string | null }, clock: Clock = systemClock,
): number {
  const info = prepared(db, `INSERT INTO export_runs (segment, kind, path, started_at, status) VALUES (?, ?, ?, ?, 'running')`)
    .run(run.segment, run.kind, run.path, isoNow(clock));
  return Number(info.lastInsertRowid);
}

export type ExportOutcome =
  | { status: 'ok'; rows: number; sha256: string }
  | { status: 'failed'; error: string; rows?: number | null };

export function recordExportEnd(db: Db, exportRunId: number, outcome: ExportOutcome, clock: Clock = systemClock): void {
  const ok = outcome.status === 'ok';
  prepared(db, `UPDATE export_runs SET status = ?, rows = ?, sha256 = ?, error = ?, finished_at = ? WHERE id = ?`)
    .run(
      outcome.status,
      outcome.rows ?? null,
      ok ? outcome.sha256 : null,
      ok ? null : outcome.error,
      isoNow(clock),
      exportRunId,
    );
}

export function getExportRun(db: Db, id: number): ExportRun | undefined {
  return prepared(db, `${SELECT_EXPORT_RUN} WHERE id = ?`).get(id) as ExportRun | undefined;
}

/** Most recent first; `limit` < 0 for all. */
export function listExportRuns(db: Db, limit = -1): ExportRun[] {
  return prepared(db, `${SELECT_EXPORT_RUN} ORDER BY id DESC LIMIT ?`).all(limit) as ExportRun[];
}
