// Streaming xlsx: the same rows the CSV encoder consumes (arrays pulled from an iterator), written
// as typed cells by exceljs's streaming WorkbookWriter, which commits each row to the zip as it
// comes. Rows are pulled only while the zip keeps up (see pending), so memory stays flat whatever
// the row count. exceljs is loaded on first use: the CLI's other commands never pay for it.
import { createHash } from 'node:crypto';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Cell } from './csv-record.ts';
import { ExportUsageError } from './errors.ts';
import { xlsxText, xlsxValue, type XlsxColumnKind } from './xlsx-cell.ts';

/** One sheet: its name (already safe, see sheet-names.ts), header, column kinds and rows. */
export interface XlsxSheet {
  name: string;
  header: string[];
  kinds: XlsxColumnKind[];
  /** Opened when the sheet's turn comes and closed (return()) when it is written; SQLite's rows come synchronously, PostgreSQL's through a cursor. */
  open: () => SheetRows | Promise<SheetRows>;
}

export interface XlsxWritten {
  /** Data rows written, all sheets (headers not counted). */
  rows: number;
  bytes: number;
  /** Hex SHA-256 of every byte written. */
  sha256: string;
  sheets: Array<{ name: string; rows: number }>;
}

/** Excel's rows per sheet, the header included. */
export const MAX_SHEET_ROWS = 1_048_576;
/** Rows read before the column widths are fixed (the widths are written ahead of the rows). */
const WIDTH_SAMPLE = 1000;
// At least 10: exceljs leaves out a column of width 9 (its default), which Excel then shows at 8.43.
const MIN_WIDTH = 10;
const MAX_WIDTH = 60;
const DATE_FORMAT = 'yyyy-mm-dd';
const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';
// One style object per kind of cell, shared: exceljs remembers a style object it has seen (a
// WeakMap), so a shared one is resolved once instead of once per cell.
const PLAIN_STYLE = {};
const DATE_STYLE = { numFmt: DATE_FORMAT };
const DATE_TIME_STYLE = { numFmt: DATE_TIME_FORMAT };
/** Rows between checks that the zip keeps up. */
const CHECK_EVERY = 256;
/** Uncompressed bytes a sheet may hold waiting for the zip before rows stop being read. */
const MAX_PENDING = 4 * 1024 * 1024;

type ExcelJs = typeof import('exceljs');
type SheetRows = Iterator<Cell[]> | AsyncIterator<Cell[]>;

/** The next row, awaited only when the source is asynchronous (SQLite's rows stay a plain call). */
function nextRow(rows: SheetRows): IteratorResult<Cell[]> | Promise<IteratorResult<Cell[]>> {
  return rows.next();
}
type WorksheetWriter = ReturnType<InstanceType<ExcelJs['stream']['xlsx']['WorkbookWriter']>['addWorksheet']>;

function widthOf(value: unknown): number {
  if (value == null) return 0;
  if (typeof value === 'object' && 'time' in value) return (value as { time: boolean }).time ? DATE_TIME_FORMAT.length : DATE_FORMAT.length;
  const text = String(value);
  const line = text.includes('\n') ? Math.max(...text.split('\n').map((l) => l.length)) : text.length;
  return line;
}

/** Column widths that fit the header (plus the filter button) and the sampled cells, within bounds. */
function fitWidths(header: string[], sample: unknown[][]): number[] {
  return header.map((name, i) => {
    let width = name.length + 3;
    for (const row of sample) width = Math.max(width, widthOf(row[i]) + 1);
    return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width));
  });
}

/**
 * The bytes exceljs has queued for the zip but the zip has not yet taken. exceljs's row writes
 * never report backpressure: its sheet stream (a StreamBuf) hands each block on at once to the
 * PassThrough archiver reads the entry from, so that PassThrough's buffers are the queue.
 */
interface StreamState { length: number }
interface QueuedStream { _writableState?: StreamState; _readableState?: StreamState }
function pending(sheet: WorksheetWriter): number {
  const stream = (sheet as unknown as { stream?: { buffers?: StreamState[]; pipes?: QueuedStream[] } }).stream;
  let bytes = 0;
  for (const b of stream?.buffers ?? []) bytes += b.length;
  for (const p of stream?.pipes ?? []) bytes += (p._writableState?.length ?? 0) + (p._readableState?.length ?? 0);
  return bytes;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
// While the zip catches up (its deflate runs on libuv's threads), wait without spinning.
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

export async function loadExcelJs(): Promise<ExcelJs> {
  const loaded = (await import('exceljs')) as ExcelJs & { default?: ExcelJs };
  return loaded.default ?? loaded;
}

/**
 * Writes `sheets` as one xlsx workbook into `sink`: per sheet a bold, frozen header row with an
 * autofilter and fitted column widths, then one row per data row with typed cells (xlsx-cell.ts).
 * The sink is ended. `created`: the workbook's creation time (its metadata). Throws
 * ExportUsageError when a sheet would exceed Excel's row limit; rejects with the sink's error
 * (having closed the row source) if the sink fails. exceljs is pinned: pending() reads its
 * internals.
 */
export async function writeXlsx(sheets: Iterable<XlsxSheet>, sink: Writable, created = new Date()): Promise<XlsxWritten> {
  const ExcelJS = await loadExcelJs();
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new PassThrough();
  counter.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  // A failing sink (a full disk) or zip ends the export: remembered here, thrown by the row loop
  // or raced against the commit, never left unhandled.
  let failure: Error | undefined;
  const fail = (err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
  };
  const written = pipeline(counter, sink).catch((err: unknown) => {
    fail(err);
    throw failure;
  });
  written.catch(() => undefined);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: counter, useStyles: true, useSharedStrings: false, zip: { zlib: { level: 6 } },
  });
  (workbook as unknown as { zip?: NodeJS.EventEmitter }).zip?.on('error', fail);
  workbook.creator = 'ghl-etl';
  workbook.created = created;
  workbook.modified = created;
  const done: XlsxWritten['sheets'] = [];
  let total = 0;
  try {
    for (const sheet of sheets) {
      const rows = await sheet.open();
      try {
        const count = await writeSheet(workbook, sheet, rows, async (ws) => {
          // Let the zip drain the sheet's queue, and the file take what the zip produced.
          await tick();
          while (failure === undefined && (pending(ws) > MAX_PENDING || counter.writableNeedDrain || sink.writableNeedDrain)) await pause();
          if (failure !== undefined) throw failure;
        });
        done.push({ name: sheet.name, rows: count });
        total += count;
      } finally {
        await rows.return?.();
      }
    }
    await Promise.race([workbook.commit(), written]);
    await written;
    if (failure !== undefined) throw failure;
  } catch (err) {
    counter.destroy(err instanceof Error ? err : new Error(String(err)));
    await written.catch(() => undefined);
    throw err;
  }
  return { rows: total, bytes, sha256: hash.digest('hex'), sheets: done };
}

async function writeSheet(
  workbook: InstanceType<ExcelJs['stream']['xlsx']['WorkbookWriter']>, sheet: XlsxSheet, rows: SheetRows,
  keepUp: (ws: WorksheetWriter) => Promise<void>,
): Promise<number> {
  const { header, kinds } = sheet;
  const typed = (row: Cell[]) => row.map((cell, i) => xlsxValue(cell, kinds[i] ?? 'value'));
  // The first rows fix the column widths, which the sheet's XML carries before its rows.
  const sample: ReturnType<typeof typed>[] = [];
  for (;;) {
    const pulled = nextRow(rows);
    const next = pulled instanceof Promise ? await pulled : pulled;
    if (next.done) break;
    sample.push(typed(next.value));
    if (sample.length >= WIDTH_SAMPLE) break;
  }
  const widths = fitWidths(header, sample);
  const ws = workbook.addWorksheet(sheet.name, { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });
  ws.columns = header.map((_, i) => ({ width: widths[i] }));
  const headerRow = ws.addRow(header.map((h) => ({ richText: [{ text: xlsxText(h) }] })));
  headerRow.font = { bold: true };
  headerRow.commit();
  let count = 0;
  const add = async (values: ReturnType<typeof typed>) => {
    if (count + 2 > MAX_SHEET_ROWS) {
      throw new ExportUsageError(`sheet "${sheet.name}" would exceed Excel's ${MAX_SHEET_ROWS - 1} data rows: narrow the segment or use --format csv`);
    }
    const row = ws.addRow([]);
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value == null) continue;
      const cell = row.getCell(i + 1);
      if (typeof value === 'string') {
        cell.value = { richText: [{ text: xlsxText(value) }] };
        cell.style = PLAIN_STYLE;
      } else if (typeof value === 'number') {
        cell.value = value;
        cell.style = PLAIN_STYLE;
      } else {
        cell.value = value.date;
        cell.style = value.time ? DATE_TIME_STYLE : DATE_STYLE;
      }
    }
    row.commit();
    count++;
    if (count % CHECK_EVERY === 0) await keepUp(ws);
  };
  for (const values of sample) await add(values);
  sample.length = 0;
  for (;;) {
    const pulled = nextRow(rows);
    const next = pulled instanceof Promise ? await pulled : pulled;
    if (next.done) break;
    await add(typed(next.value));
  }
  const lastColumn = ws.getColumn(Math.max(1, header.length)).letter;
  ws.autoFilter = `A1:${lastColumn}${count + 1}`;
  ws.commit();
  return count;
}
