// One segment export: the rule's rows (contacts, or their tasks or notes) streamed from the mirror into
// a CSV (or an xlsx workbook) written atomically (a CSV also to stdout), recorded in export_runs
// whatever the outcome.
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Db } from '../db/open.ts';
import type { ExportKind } from '../db/exports.ts';
import type { ExportRowSource, Mirror } from '../db/mirror.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import { systemClock, type Clock } from '../db/clock.ts';
import { writeFileAtomically } from './atomic-file.ts';
import { pickColumns, type ExportColumn } from './columns.ts';
import type { Cell } from './csv-record.ts';
import { writeCsv, type CsvFormat } from './csv-stream.ts';
import { ExportUsageError } from './errors.ts';
import { checkOutFormat, type ExportFormat } from './format.ts';
import { checkRule, describeRule, type SegmentRule } from './segment.ts';
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

/** An export's rows as the iterator the xlsx encoder pulls from (either engine's: each source is its own iterator). */
export function rowIterator(source: ExportRowSource): Iterator<Cell[]> | AsyncIterator<Cell[]> {
  return source as unknown as Iterator<Cell[]> | AsyncIterator<Cell[]>;
}

/** The export's rows, one array per row in `columns` order, the source every encoder reads. Close it with return(). */
export async function openExportRows(db: Mirror, kind: ExportKind, columns: ExportColumn[], rule: SegmentRule): Promise<ExportRowSource> {
  return db.exportRows(kind, columns, checkRule(rule));
}

async function streamRows(db: Mirror, options: ExportOptions, kind: ExportKind, columns: ExportColumn[]) {
  const header = columns.map((c) => c.name);
  if (options.format === 'xlsx') {
    const kinds = await xlsxColumnKinds(db, kind, header);
    const rows = await openExportRows(db, kind, columns, options.rule);
    try {
      const sheet = { name: kind, header, kinds, open: () => rowIterator(rows) };
      const created = (options.clock ?? systemClock)();
      return await writeFileAtomically(options.out, (sink) => writeXlsx([sheet], sink, created));
    } finally {
      await rows.return?.();
    }
  }
  const rows = await db.exportRows(kind, columns, checkRule(options.rule));
  try {
    if (options.out === STDOUT) return await writeCsv(header, rows, options.stdout ?? process.stdout, options, false);
    return await writeFileAtomically(options.out, (sink) => writeCsv(header, rows, sink, options));
  } finally {
    // The connection stays busy while an iterator is open; release it before recording the outcome.
    await rows.return?.();
  }
}

/** ExportUsageError when `path` cannot be a CSV file: it is a folder, or a folder on its way is a file. */
function checkOutPath(path: string, kind: ExportKind): void {
  if (path === STDOUT) return;
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ExportUsageError(`${path} is a folder: name a CSV file in it (e.g. --out ${join(path, kind === 'contacts' ? 'contacts.csv' : `${kind}.csv`)}), or write one file per tag into it with --by-tag --out-dir ${path}`);
  }
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (!stat) continue;
    if (!stat.isDirectory()) throw new ExportUsageError(`cannot write ${path}: ${dir} is a file, not a folder; choose another path`);
    break;
  }
}

/**
 * Exports the rule's rows to `options.out` and records the run in export_runs (ok with rows and
 * sha256, or failed with the error, which is then rethrown). Throws ExportUsageError for a bad
 * rule, an unknown column or an out that cannot be a file, before recording anything: a usage
 * error is not a failed run. The connection is busy until the export ends: run exports one at a time.
 */
export async function exportSegment(given: Db | Mirror, options: ExportOptions): Promise<ExportResult> {
  const db = mirrorOf(given);
  const clock = options.clock ?? systemClock;
  const kind = options.kind ?? 'contacts';
  const format = options.format ?? 'csv';
  checkOutFormat(options.out, format, STDOUT);
  checkRule(options.rule);
  const segment = options.segment ?? describeRule(options.rule);
  // Recorded absolute, so `ghl-etl runs` says where the file is whatever directory it ran from.
  const path = options.out === STDOUT ? STDOUT : resolve(options.out);
  const columns = pickColumns(await db.availableColumns(kind), options.columns);
  checkOutPath(path, kind);
  const runId = await db.recordExportStart({ segment, kind, path }, clock);
  try {
    const { rows, bytes, sha256 } = await streamRows(db, { ...options, format, out: path }, kind, columns);
    await db.recordExportEnd(runId, { status: 'ok', rows, sha256 }, clock);
    return { runId, segment, kind, path, rows, bytes, sha256, columns: columns.map((c) => c.name), format };
  } catch (err) {
    await db.recordExportEnd(runId, { status: 'failed', error: err instanceof Error ? err.message : String(err) }, clock);
    throw err;
  }
}
