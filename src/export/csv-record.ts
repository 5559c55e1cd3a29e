// One CSV record as text, by hand instead of through csv-stringify: the rule is small (RFC 4180:
// a field holding a comma, quote, CR or LF is quoted, quotes doubled; records end in CRLF), and
// on the export's hot path csv-stringify's per-field option handling and per-record Transform
// cost about 5x the CPU of this function for the same bytes (1M contacts_wide rows: 10.4 s vs
// 1.9 s, guard and hashing included). test/csv-record.test.ts holds this to csv-stringify's
// output (record_delimiter 'windows', quote_record_delimiter) byte for byte.
import { guardCell } from './formula-guard.ts';

/** What a better-sqlite3 raw row holds (no BLOBs in the mirror, but never "[object]" if one appears). */
export type Cell = string | number | bigint | Buffer | null;

/** A field needs quotes when it holds a delimiter, a quote or a line break. */
const NEEDS_QUOTES = /[",\r\n]/;

function field(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * `cells` as one CSV record ending in CRLF. `guard`: string cells go through the formula guard
 * (guardCell). Numbers print as JavaScript prints them; null is an empty field.
 */
export function csvRecord(cells: readonly Cell[], guard: boolean): string {
  let record = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) record += ',';
    const cell = cells[i];
    if (typeof cell === 'string') record += field(guard ? guardCell(cell) : cell);
    else if (typeof cell === 'number' || typeof cell === 'bigint') record += `${cell}`;
    else if (cell != null) record += field(cell.toString('utf8'));
  }
  return record + '\r\n';
}
