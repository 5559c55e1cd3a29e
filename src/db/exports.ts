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

/** A file an earlier per-tag export wrote, as it wrote it. */
export interface TagFileWritten {
  tag: string;
  path: string;
  sha256: string;
}

/**
 * The files per-tag exports of `kind` wrote, each as last written: the newest successful export
 * of each path, when that export was a per-tag one (segment `tag:<tag>`). Plain SQL both engines run.
 */
export const TAG_FILES_WRITTEN_SQL = `SELECT substr(segment, 5) AS tag, path, sha256 FROM export_runs
  WHERE id IN (SELECT max(id) FROM export_runs WHERE status = 'ok' AND path IS NOT NULL GROUP BY path)
    AND substr(segment, 1, 4) = 'tag:' AND kind = $1 AND sha256 IS NOT NULL`;

export function tagFilesWritten(db: Db, kind: ExportKind): TagFileWritten[] {
  return prepared(db, TAG_FILES_WRITTEN_SQL.replace('$1', '?')).all(kind) as TagFileWritten[];
}

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
