// One segment export: the rule's rows (contacts, or their tasks or notes) streamed from SQLite into
// a CSV (or an xlsx workbook) written atomically (a CSV also to stdout), recorded in export_runs
// whatever the outcome.
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Db } from '../db/open.ts';
import { recordExportEnd, recordExportStart, type ExportKind } from '../db/exports.ts';
import { systemClock, type Clock } from '../db/clock.ts';
import { writeFileAtomically } from './atomic-file.ts';
import { availableColumns, pickColumns, type ExportColumn } from './columns.ts';
import type { Cell } from './csv-record.ts';
import { writeCsv, type CsvFormat } from './csv-stream.ts';
import { checkOutFormat, type ExportFormat } from './format.ts';
import { describeRule, segmentWhere, type SegmentRule } from './segment.ts';
import { xlsxColumnKinds } from './xlsx-columns.ts';
import { writeXlsx } from './xlsx-stream.ts';

/** `out` value that writes to standard output instead of a file. */
export const STDOUT = '-';

export interface ExportOptions extends CsvFormat {
  rule: SegmentRule;
  /** The file (its extension must not name the other format), or '-' for stdout (CSV only). */
  out: string;
  /** csv (default) or xlsx (a workbook of typed cells, one sheet named after `kind`). */
  format?: ExportFormat | undefined;
  /** contacts (default), or the live tasks / notes of the segment's live contacts. */
  kind?: ExportKind | undefined;
  /** Column names in the order wanted; default every column (see columns.ts). */
  columns?: string[] | undefined;
  /** The name recorded in export_runs.segment; default a description of the rule. */
  segment?: string | undefined;
  /** Where '-' writes; default process.stdout (tests pass their own). */
  stdout?: Writable | undefined;
  clock?: Clock | undefined;
}

export interface ExportResult {
  /** export_runs.id */
  runId: number;
  segment: string;
  kind: ExportKind;
  /** The file written, or '-'. */
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
  columns: string[];
  format: ExportFormat;
}

/** The query returning the export's rows, one array per row in `columns` order. */
export function exportQuery(kind: ExportKind, columns: ExportColumn[], rule: SegmentRule): { sql: string; params: unknown[] } {
  const select = columns.map((c) => c.sql).join(', ');
  if (kind === 'contacts') {
    const where = segmentWhere(rule, 'w');
    return { sql: `SELECT ${select} FROM contacts_wide w WHERE ${where.sql} ORDER BY w.id`, params: where.params };
  }
  const where = segmentWhere(rule, 'c');
  const live = 'c.deleted_at IS NULL';
  if (kind === 'tasks') {
    return {
      sql: `SELECT ${select} FROM tasks t JOIN contacts c ON c.id = t.contact_id
        WHERE t.deleted_at IS NULL AND ${live} AND ${where.sql}
        ORDER BY t.contact_id, t.completed, t.due_date IS NULL, julianday(t.due_date), t.id`,
      params: where.params,
    };
  }
  return {
    sql: `SELECT ${select} FROM notes n JOIN contacts c ON c.id = n.contact_id
      WHERE n.deleted_at IS NULL AND ${live} AND ${where.sql}
      ORDER BY n.contact_id, julianday(n.date_added) DESC, n.id`,
    params: where.params,
  };
}

/** The export's rows, one array per row in `columns` order, the source every encoder reads. Close it with return(). */
export function openExportRows(db: Db, kind: ExportKind, columns: ExportColumn[], rule: SegmentRule): IterableIterator<Cell[]> {
  const query = exportQuery(kind, columns, rule);
  // raw(): rows as arrays in column order, no object per row.
  return db.sqlite.prepare(query.sql).raw(true).iterate(...query.params) as IterableIterator<Cell[]>;
}

async function streamRows(db: Db, options: ExportOptions, kind: ExportKind, columns: ExportColumn[]) {
  const rows = openExportRows(db, kind, columns, options.rule);
  const header = columns.map((c) => c.name);
  try {
    if (options.format === 'xlsx') {
      const sheet = { name: kind, header, kinds: xlsxColumnKinds(db, kind, header), open: () => rows };
      const created = (options.clock ?? systemClock)();
      return await writeFileAtomically(options.out, (sink) => writeXlsx([sheet], sink, created));
    }
    if (options.out === STDOUT) return await writeCsv(header, rows, options.stdout ?? process.stdout, options, false);
    return await writeFileAtomically(options.out, (sink) => writeCsv(header, rows, sink, options));
  } finally {
    // The connection stays busy while an iterator is open; release it before recording the outcome.
    rows.return?.();
  }
}

/**
 * Exports the rule's rows to `options.out` and records the run in export_runs (ok with rows and
 * sha256, or failed with the error, which is then rethrown). Throws ExportUsageError for a bad
 * rule or unknown column. The connection is busy until the export ends: run exports one at a time.
 */
export async function exportSegment(db: Db, options: ExportOptions): Promise<ExportResult> {
  const clock = options.clock ?? systemClock;
  const kind = options.kind ?? 'contacts';
  const format = options.format ?? 'csv';
  checkOutFormat(options.out, format, STDOUT);
  const segment = options.segment ?? describeRule(options.rule);
  // Recorded absolute, so `ghl-etl runs` says where the file is whatever directory it ran from.
  const path = options.out === STDOUT ? STDOUT : resolve(options.out);
  const runId = recordExportStart(db, { segment, kind, path }, clock);
  try {
    const columns = pickColumns(availableColumns(db, kind), options.columns);
    const { rows, bytes, sha256 } = await streamRows(db, { ...options, format, out: path }, kind, columns);
    recordExportEnd(db, runId, { status: 'ok', rows, sha256 }, clock);
    return { runId, segment, kind, path, rows, bytes, sha256, columns: columns.map((c) => c.name), format };
  } catch (err) {
    recordExportEnd(db, runId, { status: 'failed', error: err instanceof Error ? err.message : String(err) }, clock);
    throw err;
  }
}
