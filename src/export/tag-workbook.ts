// `export --by-tag --workbook FILE`: one xlsx workbook with a sheet per live tag, each sheet the
// rows the per-tag file of that tag would hold. One file, so one export_runs row: segment
// `by-tag` (plus the rule's other conditions), the rows of every sheet, the workbook's sha256.
import { resolve } from 'node:path';
import type { Db } from '../db/open.ts';
import type { Mirror } from '../db/mirror.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import { systemClock } from '../db/clock.ts';
import { writeFileAtomically } from './atomic-file.ts';
import type { ByTagOptions } from './by-tag.ts';
import { pickColumns } from './columns.ts';
import { openExportRows, rowIterator, STDOUT, type ExportResult } from './export-segment.ts';
import { checkOutFormat } from './format.ts';
import { describeRule, checkRule } from './segment.ts';
import { sheetNames } from './sheet-names.ts';
import { xlsxColumnKinds } from './xlsx-columns.ts';
import { writeXlsx, type XlsxSheet } from './xlsx-stream.ts';

export interface TagWorkbookResult extends ExportResult {
  /** One per tag, in tag order. */
  sheets: Array<{ tag: string; name: string; rows: number }>;
}

/** The segment export_runs records for a workbook of `rule` (its tags ignored, as in exportByTag). */
function workbookSegment(rule: ByTagOptions['rule']): string {
  const { tags: _tags, match: _match, ...rest } = rule ?? {};
  const conditions = describeRule(rest);
  return conditions === 'all contacts' ? 'by-tag' : `by-tag; ${conditions}`;
}

/**
 * Writes `file` as one workbook with a sheet per live tag (names made safe and distinct, see
 * sheet-names.ts) and records it in export_runs. A workspace with no tags still gets a workbook
 * (Excel needs a sheet): one empty sheet named after the kind, with its header.
 */
export async function exportTagWorkbook(given: Db | Mirror, file: string, options: ByTagOptions = {}): Promise<TagWorkbookResult> {
  const db = mirrorOf(given);
  checkOutFormat(file, 'xlsx', STDOUT);
  const clock = options.clock ?? systemClock;
  const kind = options.kind ?? 'contacts';
  const base = checkRule(options.rule ?? {});
  const segment = workbookSegment(base);
  const path = resolve(file);
  const runId = await db.recordExportStart({ segment, kind, path }, clock);
  try {
    const columns = pickColumns(await db.availableColumns(kind), options.columns);
    const header = columns.map((c) => c.name);
    const kinds = await xlsxColumnKinds(db, kind, header);
    const tags = await db.liveTags(base.locationId);
    const names = sheetNames(tags);
    // Each sheet's rows are opened when its turn comes (one read open at a time).
    const sheets: XlsxSheet[] = tags.length === 0
      ? [{ name: kind, header, kinds, open: () => [][Symbol.iterator]() }]
      : tags.map((tag) => ({
        name: names.get(tag)!,
        header,
        kinds,
        open: async () => rowIterator(await openExportRows(db, kind, columns, { ...base, tags: [tag], match: 'any', exactTags: true })),
      }));
    const written = await writeFileAtomically(path, (sink) => writeXlsx(sheets, sink, clock()));
    await db.recordExportEnd(runId, { status: 'ok', rows: written.rows, sha256: written.sha256 }, clock);
    return {
      runId, segment, kind, path, rows: written.rows, bytes: written.bytes, sha256: written.sha256, columns: header, format: 'xlsx',
      sheets: tags.map((tag, i) => ({ tag, name: names.get(tag)!, rows: written.sheets[i]!.rows })),
    };
  } catch (err) {
    await db.recordExportEnd(runId, { status: 'failed', error: err instanceof Error ? err.message : String(err) }, clock);
    throw err;
  }
}
