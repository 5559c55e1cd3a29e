// Streaming CSV: rows pulled one at a time from an iterator (a better-sqlite3 `.iterate()`),
// encoded into blocks of text, into a sink, with backpressure all the way: the iterator is only
// advanced when the sink has room, so memory stays flat whatever the row count.
import { createHash } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { csvRecord, type Cell } from './csv-record.ts';

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

// Records are joined into blocks of about this many characters, so the sink (and the hash) see
// a few thousand large writes instead of one small one per row.
const BLOCK_CHARS = 256 * 1024;

/**
 * Writes `header` then every row of `rows` as RFC 4180 CSV (CRLF line ends, fields quoted when
 * they hold a comma, quote, CR or LF; quotes doubled) in UTF-8 into `sink`. `end`: end the sink
 * afterwards (false for stdout). Rejects, having closed the row source, if the sink fails.
 */
export async function writeCsv(
  header: string[], rows: Iterable<Cell[]> | AsyncIterable<Cell[]>, sink: Writable, format: CsvFormat = {}, end = true,
): Promise<CsvWritten> {
  const guard = !format.raw;
  const hash = createHash('sha256');
  let bytes = 0;
  let count = 0;
  const block = (text: string): Buffer => {
    const buffer = Buffer.from(text, 'utf8');
    hash.update(buffer);
    bytes += buffer.length;
    return buffer;
  };
  // A generator behind Readable.from: the next block is encoded only when the sink asks for it,
  // and a failing row source (SQLite) or sink fails the pipeline.
  function* blocks(): Generator<Buffer> {
    let text = (format.excel ? '\ufeff' : '') + csvRecord(header, guard);
    for (const row of rows as Iterable<Cell[]>) {
      text += csvRecord(row, guard);
      count++;
      if (text.length >= BLOCK_CHARS) {
        yield block(text);
        text = '';
      }
    }
    if (text.length > 0) yield block(text);
  }
  // The same for rows that arrive asynchronously (PostgreSQL's cursor); SQLite's stay synchronous,
  // without a promise per row.
  async function* asyncBlocks(source: AsyncIterable<Cell[]>): AsyncGenerator<Buffer> {
    let text = (format.excel ? '\ufeff' : '') + csvRecord(header, guard);
    for await (const row of source) {
      text += csvRecord(row, guard);
      count++;
      if (text.length >= BLOCK_CHARS) {
        yield block(text);
        text = '';
      }
    }
    if (text.length > 0) yield block(text);
  }
  const source = Symbol.iterator in rows ? blocks() : asyncBlocks(rows as AsyncIterable<Cell[]>);
  await pipeline(Readable.from(source, { objectMode: false }), sink, { end });
  return { rows: count, bytes, sha256: hash.digest('hex') };
}
