// One export cell as a spreadsheet cell value, pure. A CSV cannot say "this is text"; an xlsx
// cell can, so nothing here guards formulas: a text cell holds the characters as stored and no
// spreadsheet runs it. Numbers stay numbers, and a date column's ISO text becomes a date (UTC).
import type { Cell } from './csv-record.ts';

/** How a column's cells are typed: `date` columns hold ISO dates; any other cell is typed by its value. */
export type XlsxColumnKind = 'date' | 'value';

/** A date cell's value and whether it carries a time of day (for its number format). */
export interface XlsxDate {
  date: Date;
  time: boolean;
}

export type XlsxValue = string | number | XlsxDate | null;

/** Excel's longest text cell; longer text is cut there (Excel reports damage otherwise). */
export const MAX_TEXT = 32_767;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
// Excel's serial dates start at 1900-01-01 and count a 29 February 1900 that never was, so
// serials before March 1900 mean other days in Excel than in every other reader.
const FIRST_EXACT_DAY = Date.UTC(1900, 2, 1);
const LAST_DAY = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** An ISO date (`2026-03-01`) or date-time (offset optional, UTC when absent) as a Date; null when it is not one. */
export function parseIsoDate(text: string): XlsxDate | null {
  let ms: number;
  let time: boolean;
  const day = DATE_ONLY.exec(text);
  if (day) {
    ms = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    // Date.UTC rolls 2026-02-30 over to March: such a value is not a date.
    if (new Date(ms).toISOString().slice(0, 10) !== text) return null;
    time = false;
  } else {
    const m = DATE_TIME.exec(text);
    if (!m) return null;
    const offset = m[8] === undefined || m[8] === 'Z' ? 'Z' : m[8].length === 5 ? `${m[8].slice(0, 3)}:${m[8].slice(3)}` : m[8];
    ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${(m[7] ?? '').slice(0, 4)}${offset}`);
    if (Number.isNaN(ms) || Number(m[2]) > 12 || Number(m[3]) > 31) return null;
    time = true;
  }
  if (!(ms >= FIRST_EXACT_DAY && ms <= LAST_DAY)) return null;
  return { date: new Date(ms), time };
}

/**
 * Inside the sheet's XML, CR would be read back as LF and the other C0 controls are not allowed
 * at all (exceljs drops them); OOXML spells such a character `_xHHHH_`, and a literal `_xHHHH_`
 * in the text as `_x005F_xHHHH_`, which is how Excel and LibreOffice read them back.
 */
const ESCAPED = /_x[0-9A-Fa-f]{4}_|[\x00-\x08\x0B-\x1F\uFFFE\uFFFF]/;
const ESCAPED_ALL = new RegExp(ESCAPED.source, 'g');

function escapeText(text: string): string {
  return text.replace(ESCAPED_ALL, (s) => (s.length > 1 ? `_x005F${s}` : `_x${s.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`));
}

/** The text as an xlsx text cell stores it: cut to Excel's limit, then escaped (see ESCAPED). */
export function xlsxText(text: string): string {
  const cut = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
  return ESCAPED.test(cut) ? escapeText(cut) : cut;
}

/**
 * The value of one cell: null and '' stay empty; a finite number (or a bigint that fits exactly) is a
 * number; in a date column, text that is an ISO date Excel can show is a date; anything else is
 * text (unescaped: see xlsxText).
 */
export function xlsxValue(cell: Cell, kind: XlsxColumnKind): XlsxValue {
  if (cell == null) return null;
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : String(cell);
  if (typeof cell === 'bigint') return Number.isSafeInteger(Number(cell)) ? Number(cell) : cell.toString();
  const text = typeof cell === 'string' ? cell : cell.toString('utf8');
  // An empty cell, as in the CSV, where '' and NULL read the same.
  if (text === '') return null;
  if (kind === 'date') return parseIsoDate(text) ?? text;
  return text;
}
