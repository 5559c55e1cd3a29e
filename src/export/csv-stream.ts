// Streaming CSV: rows pulled one at a time from an iterator (a better-sqlite3 `.iterate()`),
// through csv-stringify, into a sink, with backpressure all the way: the iterator is only
// advanced when the sink has room, so memory stays flat whatever the row count.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify, type Options as StringifyOptions } from 'csv-stringify';
import { guardCell } from './formula-guard.ts';

export interface CsvFormat {
  /** Prepend a UTF-8 byte order mark (Excel otherwise reads UTF-8 as the local code page). */
  excel?: boolean | undefined;
  /** Write cells as they are: no formula guard. */
  raw?: boolean | undefined;
}

export interface CsvWritten {
  /** Data rows written (the header not counted). */
  rows: number;
  bytes: number;
  /** Hex SHA-256 of every byte written, BOM included. */
  sha256: string;
}

// Writes reach the sink in blocks of about this size instead of one small string per record.
const BLOCK_BYTES = 64 * 1024;
const ROWS_IN_FLIGHT = 256;

type Cell = string | number | bigint | Buffer | null;

function cellText(value: Cell, guard: boolean): string | number | bigint | null {
  if (typeof value === 'string') return guard ? guardCell(value) : value;
  if (Buffer.isBuffer(value)) return value.toString('utf8'); // no BLOBs in the mirror; never "[object]"
  return value;
}

/**
 * Writes `header` then every row of `rows` as RFC 4180 CSV (CRLF line ends, fields quoted when
 * they hold a comma, quote, CR or LF; quotes doubled) in UTF-8 into `sink`. `end`: end the sink
 * afterwards (false for stdout). Rejects, having destroyed the row source, if the sink fails.
 */
export async function writeCsv(
  header: string[], rows: Iterable<Cell[]>, sink: Writable, format: CsvFormat = {}, end = true,
): Promise<CsvWritten> {
  const guard = !format.raw;
  const hash = createHash('sha256');
  let bytes = 0;
  async function* blocks(source: AsyncIterable<string | Buffer>): AsyncGenerator<Buffer> {
    let parts: string[] = [];
    let size = 0;
    const flush = () => {
      const block = Buffer.from(parts.join(''), 'utf8');
      parts = [];
      size = 0;
      hash.update(block);
      bytes += block.length;
      return block;
    };
    for await (const chunk of source) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      parts.push(text);
      size += text.length;
      if (size >= BLOCK_BYTES) yield flush();
    }
    if (size > 0) yield flush();
  }
  const options: StringifyOptions & { highWaterMark: number } = {
    bom: !!format.excel,
    record_delimiter: 'windows',
    // csv-stringify stops quoting a lone \n or \r once record_delimiter is set; a newline inside
    // a name must stay inside its quoted cell.
    quote_record_delimiter: true,
    // Rows buffered before the producer waits for 'drain' (a Transform option csv-stringify passes on).
    highWaterMark: ROWS_IN_FLIGHT,
  };
  const stringifier = stringify(options);
  const written = pipeline(stringifier, blocks, sink, { end });
  written.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
  // Rows are written straight into the stringifier (a Readable.from in front costs a fifth more
  // CPU): pull a row, write it, and wait for 'drain' -- or the pipeline's failure -- when full.
  let count = 0;
  try {
    stringifier.write(header.map((h) => cellText(h, guard)));
    for (const row of rows) {
      for (let i = 0; i < row.length; i++) row[i] = cellText(row[i] as Cell, guard) as Cell;
      count++;
      if (!stringifier.write(row)) await Promise.race([once(stringifier, 'drain'), written]);
    }
    stringifier.end();
  } catch (err) {
    // A failing row source (SQLite) fails the whole pipeline, which then removes nothing itself.
    stringifier.destroy(err as Error);
  }
  await written;
  return { rows: count, bytes, sha256: hash.digest('hex') };
}
